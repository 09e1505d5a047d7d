// tests/ref/faceapi/gen_golden.js - golden outputs of face-api's own
// JavaScript for the C port (lib/faceapi/we_faceapi*.c), generated once and
// committed under tests/golden/faceapi/.
//
// Usage (node >= 18; the npm registry must be reachable once):
//   d=$(mktemp -d) && cp tests/ref/faceapi/package.json tests/ref/faceapi/gen_golden.js "$d" &&
//   (cd "$d" && npm install --no-audit --no-fund && node gen_golden.js "$OLDPWD")
//
// The argument is the repository root. It reads the weights from
// third_party/face-api/model (scripts/setup.sh) and the demo photos from
// third_party/face-api/demo, makes six crops (one synthetic, five faces from
// the demo photos at fixed boxes, resampled by an area average to sizes
// 112x112 .. 180x150 so that odd pads and both padding directions occur),
// writes each crop as a WES1 u8 3xHxW `image` frame (crop_N.wes, exact
// pixels for the C test), runs the three nets through face-api's public API
// (predictExpressions, detectLandmarks + raw forward, computeFaceDescriptor,
// and the landmarks' align() boxes for the aligned-crop mode)
// with the tfjs CPU backend (pure JS, no native binary), and writes
// golden.json. Versions are pinned in package.json.
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
const jpeg = require('jpeg-js');

const root = process.argv[2] || '.';
const modelDir = path.join(root, 'third_party/face-api/model');
const demoDir = path.join(root, 'third_party/face-api/demo');
const outDir = path.join(root, 'tests/golden/faceapi');
const backend = process.env.FA_BACKEND || 'cpu';

// Face boxes [x, y, w, h] found once with face-api's ssdMobilenetv1 on the
// demo photos, grown around their centre, and the output crop size [w, h].
const CROPS = [
  { name: 'synthetic', w: 112, h: 112 },
  { src: 'sample1.jpg', box: [363, 324, 280, 280], w: 128, h: 128 },
  { src: 'sample2.jpg', box: [1398, 129, 291, 291], w: 150, h: 150 },
  { src: 'sample3.jpg', box: [566, 314, 237, 300], w: 101, h: 128 },
  { src: 'sample5.jpg', box: [1071, 216, 240, 200], w: 180, h: 150 },
  { src: 'sample4.jpg', box: [637, 61, 240, 240], w: 64, h: 64 },
];

function synthetic(w, h) {
  const px = new Uint8Array(w * h * 3); // HWC
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = x - w / 2, dy = y - h / 2;
      const r = Math.sqrt(dx * dx + dy * dy);
      const face = r < w * 0.38 ? 1 : 0;
      const eye = (Math.hypot(x - w * 0.35, y - h * 0.4) < w * 0.06 || Math.hypot(x - w * 0.65, y - h * 0.4) < w * 0.06) ? 1 : 0;
      const mouth = (Math.abs(y - h * 0.68) < h * 0.03 && Math.abs(dx) < w * 0.16) ? 1 : 0;
      let v = [40 + x, 60 + y, 90 + ((x * y) % 50)];
      if (face) v = [210 - r, 170 - r / 2, 140 - r / 3];
      if (eye || mouth) v = [30, 20, 25];
      for (let c = 0; c < 3; c++) px[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v[c])));
    }
  }
  return px;
}

// Area-average resample of a box of an HWC RGB image to w x h.
function cropResample(img, box, w, h) {
  const [bx, by, bw, bh] = box;
  const px = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const y0 = by + Math.floor((y * bh) / h), y1 = Math.max(y0 + 1, by + Math.floor(((y + 1) * bh) / h));
    for (let x = 0; x < w; x++) {
      const x0 = bx + Math.floor((x * bw) / w), x1 = Math.max(x0 + 1, bx + Math.floor(((x + 1) * bw) / w));
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) s += img.data[(yy * img.width + xx) * 3 + c];
        px[(y * w + x) * 3 + c] = Math.round(s / ((y1 - y0) * (x1 - x0)));
      }
    }
  }
  return px;
}

function writeWes(file, id, px, w, h) {
  const head = Buffer.from(`WES1 image u8 3 ${h} ${w}\nid=${id}\nsrc=gen_golden.js\n\n`, 'ascii');
  const planar = Buffer.alloc(3 * w * h);
  for (let c = 0; c < 3; c++) for (let i = 0; i < w * h; i++) planar[c * w * h + i] = px[i * 3 + c];
  fs.writeFileSync(file, Buffer.concat([head, planar]));
}

const arr = (a) => Array.from(a, (v) => Number(v.toPrecision(9)));

(async () => {
  await tf.setBackend(backend);
  await tf.ready();
  await faceapi.nets.faceExpressionNet.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
  fs.mkdirSync(outDir, { recursive: true });
  const golden = {
    generator: 'tests/ref/faceapi/gen_golden.js',
    faceapi: '@vladmandic/face-api 1.7.15',
    tfjs: tf.version.tfjs,
    backend,
    expression_labels: ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'],
    crops: [],
  };
  const cache = {};
  for (let i = 0; i < CROPS.length; i++) {
    const c = CROPS[i];
    let px;
    if (!c.src) px = synthetic(c.w, c.h);
    else {
      if (!cache[c.src]) cache[c.src] = jpeg.decode(fs.readFileSync(path.join(demoDir, c.src)), { useTArray: true, formatAsRGBA: false });
      px = cropResample(cache[c.src], c.box, c.w, c.h);
    }
    const id = `crop_${i}`;
    writeWes(path.join(outDir, `${id}.wes`), id, px, c.w, c.h);
    const t = tf.tensor3d(Int32Array.from(px), [c.h, c.w, 3], 'int32');
    const expr = await faceapi.nets.faceExpressionNet.predictExpressions(t);
    const lm = await faceapi.nets.faceLandmark68Net.detectLandmarks(t);
    const rawT = await faceapi.nets.faceLandmark68Net.runNet(await faceapi.toNetInput(t));
    const raw = rawT.dataSync();
    rawT.dispose();
    const desc = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(t);
    t.dispose();
    const probs = golden.expression_labels.map((k) => expr[k]);
    const pts = [];
    for (const p of lm.positions) pts.push(p.x, p.y);
    // the boxes face-api's own pipeline would crop next (alignedRect for
    // expressions, alignDlib for descriptors), as extractFaceTensors clips them
    const bx = (b) => { const q = b.clipAtImageBorders(c.w, c.h); return [q.x, q.y, q.width, q.height]; };
    const boxMin = bx(lm.align(null, { useDlibAlignment: false, minBoxPadding: 0.2 }));
    const boxDlib = bx(lm.align(null, { useDlibAlignment: true }));
    golden.crops.push({
      file: `${id}.wes`, source: c.src || 'synthetic', box: c.box || null, width: c.w, height: c.h,
      expression: arr(probs), landmarks_raw: arr(raw), landmarks_px: arr(pts), descriptor: arr(desc),
      box_minbbox: boxMin, box_dlib: boxDlib,
    });
    console.error(`${id}: ${c.w}x${c.h} top=${golden.expression_labels[probs.indexOf(Math.max(...probs))]} |d|=${Math.hypot(...desc).toFixed(4)}`);
  }
  fs.writeFileSync(path.join(outDir, 'golden.json'), JSON.stringify(golden, null, 1) + '\n');

  // Input gradients through face-api itself (tf.grad over padToSquare,
  // resizeBilinear, normalize and the net): d(sum_i r_i out_i)/d(crop pixel),
  // r_i = ((37 i) mod 11)/11 - 0.5, out = the nets' raw outputs (expression
  // logits before the softmax, 136 landmark fractions, 128-d descriptor).
  // Written as f32 `grad` frames (C x H x W), each file < 100 KB.
  const rvec = (n) => tf.tensor1d(Array.from({ length: n }, (_, i) => ((i * 37) % 11) / 11 - 0.5));
  const nets = [
    ['expr', (ni) => faceapi.nets.faceExpressionNet.runNet(ni), 7],
    ['landmark', (ni) => faceapi.nets.faceLandmark68Net.runNet(ni), 136],
    ['recog', (ni) => faceapi.nets.faceRecognitionNet.forwardInput(ni), 128],
  ];
  const grads = [[5, 'expr', 3], [5, 'landmark', 3], [5, 'recog', 3], [3, 'expr', 1]]; // crop, net, channels kept
  for (const [ci, netName, keep] of grads) {
    const c = CROPS[ci];
    const data = fs.readFileSync(path.join(outDir, `crop_${ci}.wes`));
    const planar = data.subarray(data.length - 3 * c.w * c.h);
    const hwc = new Float32Array(3 * c.w * c.h);
    for (let ch = 0; ch < 3; ch++) for (let i = 0; i < c.w * c.h; i++) hwc[i * 3 + ch] = planar[ch * c.w * c.h + i];
    const [, fn, nout] = nets.find((n) => n[0] === netName);
    const r = rvec(nout);
    const x = tf.tensor3d(hwc, [c.h, c.w, 3], 'float32');
    const g = tf.grad((img) => fn(new faceapi.NetInput([img])).reshape([nout]).mul(r).sum())(x).dataSync();
    const out = Buffer.alloc(4 * keep * c.w * c.h);
    for (let ch = 0; ch < keep; ch++) for (let i = 0; i < c.w * c.h; i++) out.writeFloatLE(g[i * 3 + ch], 4 * (ch * c.w * c.h + i));
    const head = `WES1 grad f32 ${keep} ${c.h} ${c.w}\nid=crop_${ci}\nnet=${netName}\nsrc=gen_golden.js\n\n`;
    fs.writeFileSync(path.join(outDir, `grad_${netName}_crop_${ci}.wes`), Buffer.concat([Buffer.from(head, 'ascii'), out]));
    console.error(`grad ${netName} crop_${ci}: max |g| ${Math.max(...Array.from(g, Math.abs)).toExponential(3)}`);
  }
})().catch((e) => { console.error(e); process.exit(1); });
