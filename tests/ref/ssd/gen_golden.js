// tests/ref/ssd/gen_golden.js - golden detections of face-api's own
// SsdMobilenetv1 (JavaScript, tfjs CPU backend) for the C port in
// lib/faceapi/we_ssd*.c; generated once, committed under tests/golden/ssd/.
//
// Usage (node >= 18; the npm registry must be reachable once), as for
// tests/ref/faceapi:
//   d=$(mktemp -d) && cp tests/ref/ssd/package.json tests/ref/ssd/gen_golden.js "$d" &&
//   (cd "$d" && npm install --no-audit --no-fund && node gen_golden.js "$OLDPWD")
//
// Inputs (written as WES1 u8 3xHxW `image` frames, the exact pixels the
// C test feeds): input_0 = the demo photo sample4.jpg area-averaged down to
// 200x151 (wide: padded at the bottom), input_1 = a synthetic 96x128 image
// (tall: padded on the right). For each it records face-api's locateFaces()
// at minConfidence 0.5 and 0.05 (boxes in input pixels after NMS) and the
// raw network outputs (decoded boxes [ymin,xmin,ymax,xmax] relative to the
// padded square, sigmoid scores) of the 40 highest-scoring anchors.
'use strict';
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
const jpeg = require('jpeg-js');

const root = process.argv[2] || '.';
const modelDir = path.join(root, 'third_party/face-api/model');
const demoDir = path.join(root, 'third_party/face-api/demo');
const outDir = path.join(root, 'tests/golden/ssd');

function areaResample(img, w, h) {
  const px = new Uint8Array(w * h * 3);
  const bw = img.width, bh = img.height;
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor((y * bh) / h), y1 = Math.max(y0 + 1, Math.floor(((y + 1) * bh) / h));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor((x * bw) / w), x1 = Math.max(x0 + 1, Math.floor(((x + 1) * bw) / w));
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) s += img.data[(yy * bw + xx) * 3 + c];
        px[(y * w + x) * 3 + c] = Math.round(s / ((y1 - y0) * (x1 - x0)));
      }
    }
  }
  return px;
}

// A face-like pattern: skin disc, dark eyes and mouth, textured background.
function synthetic(w, h) {
  const px = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = x - w / 2, dy = y - h * 0.45;
      const r = Math.sqrt(dx * dx + dy * dy);
      let v = [30 + ((x * 7) % 60), 70 + y / 2, 120 + ((x * y) % 40)];
      if (r < w * 0.33) v = [220 - r, 175 - r / 2, 150 - r / 3];
      const eye = Math.hypot(x - w * 0.38, y - h * 0.4) < w * 0.05 || Math.hypot(x - w * 0.62, y - h * 0.4) < w * 0.05;
      const mouth = Math.abs(y - h * 0.58) < h * 0.015 && Math.abs(dx) < w * 0.12;
      if (eye || mouth) v = [40, 25, 30];
      for (let c = 0; c < 3; c++) px[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v[c])));
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

const num = (v) => Number(v.toPrecision(9));

(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  const net = faceapi.nets.ssdMobilenetv1;
  await net.loadFromDisk(modelDir);
  fs.mkdirSync(outDir, { recursive: true });
  const photo = jpeg.decode(fs.readFileSync(path.join(demoDir, 'sample4.jpg')), { useTArray: true, formatAsRGBA: false });
  const inputs = [
    { src: 'sample4.jpg', w: 200, h: 151, px: areaResample(photo, 200, 151) },
    { src: 'synthetic', w: 96, h: 128, px: synthetic(96, 128) },
  ];
  const golden = { generator: 'tests/ref/ssd/gen_golden.js', faceapi: '@vladmandic/face-api 1.7.15',
    tfjs: tf.version.tfjs, backend: 'cpu', inputs: [] };
  for (let i = 0; i < inputs.length; i++) {
    const c = inputs[i];
    const id = `input_${i}`;
    writeWes(path.join(outDir, `${id}.wes`), id, c.px, c.w, c.h);
    const t = tf.tensor3d(c.px, [c.h, c.w, 3], 'int32');
    const rec = { file: `${id}.wes`, source: c.src, width: c.w, height: c.h, detections: {} };
    for (const mc of [0.5, 0.05]) {
      const dets = await net.locateFaces(t, { minConfidence: mc, maxResults: 100 });
      rec.detections[String(mc)] = dets.map((d) => ({ score: num(d.score),
        box: [num(d.box.x), num(d.box.y), num(d.box.width), num(d.box.height)] }));
    }
    const out = net.forwardInput(await faceapi.toNetInput(t));
    const boxes = out.boxes[0].arraySync();
    const scores = Array.from(out.scores[0].dataSync());
    const order = scores.map((s, k) => k).sort((a, b) => scores[b] - scores[a]).slice(0, 40);
    rec.raw = order.map((k) => ({ anchor: k, score: num(scores[k]), box: boxes[k].map(num) }));
    rec.num_anchors = scores.length;
    golden.inputs.push(rec);
    t.dispose();
    console.log(id, c.src, rec.detections['0.5'].length, 'faces >= 0.5, top score', rec.raw[0].score);
  }
  fs.writeFileSync(path.join(outDir, 'golden.json'), JSON.stringify(golden, null, 1) + '\n');
})();
