/* weserve's page: upload, choose faces, edit, poll, compare, download.
 * Talks to the API of lib/serve/we_serve.h; plain DOM, no framework. */
'use strict';
const $ = (id) => document.getElementById(id);
const state = { info: null, photo: null, faces: [], chosen: null, job: null, polling: false };

/* one edit at a time per client: the server knows us by this id */
let client = sessionStorage.getItem('we-client');
if (!client) {
  const r = new Uint8Array(12);
  crypto.getRandomValues(r);
  client = Array.from(r, (b) => b.toString(16).padStart(2, '0')).join('');
  sessionStorage.setItem('we-client', client);
}

function showError(msg) {
  const e = $('error');
  e.textContent = msg;
  e.hidden = !msg;
}

async function api(method, path, body) {
  let res;
  try {
    res = await fetch(path, { method, body, headers: { 'X-WE-Client': client } });
  } catch (err) {
    throw new Error('the server did not answer (' + err.message + ')');
  }
  let data = null;
  try { data = await res.json(); } catch (err) { data = null; }
  if (!res.ok) throw new Error((data && data.error) || ('HTTP ' + res.status));
  return data;
}

function busy(on) {
  document.querySelectorAll('#edit-panel button').forEach((b) => { b.disabled = on; });
}

/* ---- 1. the photo ---- */
async function loadInfo() {
  try {
    state.info = await api('GET', '/api/info');
  } catch (err) { showError(err.message); return; }
  const i = state.info;
  $('limits').textContent = `Up to ${(i.max_upload / 1048576).toFixed(0)} MiB and ${(i.max_pixels / 1e6).toFixed(0)} megapixels. ` +
    `Model ${i.model}: ${i.model_size} px, faces edited at ${i.face_size} px.`;
  if (i.demos.length) {
    $('demo-row').hidden = false;
    for (const d of i.demos) {
      const o = document.createElement('option');
      o.value = o.textContent = d;
      $('demo').appendChild(o);
    }
    const photoLike = i.demos.find((d) => /^sample/.test(d));  /* face-api's demo folder also holds screenshots */
    if (photoLike) $('demo').value = photoLike;
  }
  const emo = $('emotions');
  for (const e of i.emotions) {
    const b = document.createElement('button');
    b.type = 'button';
    b.id = 'emo-' + e;
    b.textContent = e;
    b.addEventListener('click', () => startEdit({ emotion: e }));
    emo.appendChild(b);
  }
  $('steps').placeholder = i.steps;
  $('g_low').placeholder = $('g_high').placeholder = i.guidance;
}

async function upload(file) {
  showError('');
  if (!file) return;
  if (state.info && file.size > state.info.max_upload) {
    showError(`${file.name} is ${(file.size / 1048576).toFixed(1)} MiB; the limit is ${(state.info.max_upload / 1048576).toFixed(0)} MiB`);
    return;
  }
  const fd = new FormData();
  fd.append('photo', file, file.name);
  await photoRequest(() => api('POST', '/api/photo', fd));
}

async function photoRequest(call) {
  $('drop').classList.add('over');
  try {
    const p = await call();
    showPhoto(p);
  } catch (err) {
    showError(err.message);
  } finally {
    $('drop').classList.remove('over');
  }
}

function showPhoto(p) {
  state.photo = p.photo;
  state.faces = p.faces;
  state.chosen = p.faces.length ? [0] : null;
  $('photo').src = '/api/image?photo=' + p.photo;
  const svg = $('overlay');
  svg.setAttribute('viewBox', `0 0 ${p.width} ${p.height}`);
  svg.innerHTML = '';
  for (const f of p.faces) {
    const poly = document.createElementNS('http://www.w3.org/2000/svg', 'polygon');
    const q = f.quad;
    poly.setAttribute('points', `${q[0]},${q[1]} ${q[2]},${q[3]} ${q[4]},${q[5]} ${q[6]},${q[7]}`);
    poly.dataset.index = f.index;
    poly.id = 'face-' + f.index;
    poly.addEventListener('click', () => { state.chosen = [f.index]; markChosen(); });
    svg.appendChild(poly);
    const t = document.createElementNS('http://www.w3.org/2000/svg', 'text');
    t.setAttribute('x', q[0] + 6);
    t.setAttribute('y', q[1] + Math.max(18, p.height / 30));
    t.setAttribute('font-size', Math.max(16, p.height / 30));
    t.textContent = f.index;
    svg.appendChild(t);
  }
  $('face-count').textContent = p.faces.length === 1 ? '1 face found.' : `${p.faces.length} faces found.`;
  $('faces-panel').hidden = false;
  $('edit-panel').hidden = !p.faces.length;
  $('result-panel').hidden = true;
  $('sheet-panel').hidden = true;
  if (!p.faces.length) showError('No face was found in this photo. Try one where the face is larger or faces the camera.');
  markChosen();
}

function markChosen() {
  document.querySelectorAll('#overlay polygon').forEach((pl) => {
    pl.classList.toggle('chosen', !!state.chosen && state.chosen.includes(Number(pl.dataset.index)));
  });
  $('chosen').textContent = !state.chosen ? '-' : state.chosen.length === state.faces.length && state.faces.length > 1
    ? 'all faces' : 'face ' + state.chosen.join(', ');
}

/* ---- 3. the edit ---- */
function settings(extra) {
  const q = new URLSearchParams({ photo: state.photo });
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  if (!extra.prompt || $('intensity').dataset.touched) q.set('intensity', $('intensity').value);
  for (const k of ['g_low', 'g_high', 'strength', 'steps', 'seed', 'faith']) {
    const v = $(k).value.trim();
    if (v !== '') q.set(k, v);
  }
  return q;
}

async function startEdit(target) {
  showError('');
  if (!state.chosen) return;
  const q = settings(target);
  q.set('faces', state.chosen.join(','));
  await runJob('/api/edit?' + q);
}

async function startSheet() {
  showError('');
  if (!state.chosen) return;
  const q = settings({});
  q.set('face', String(state.chosen[0]));
  await runJob('/api/sheet?' + q);
}

async function runJob(url) {
  busy(true);
  $('progress-row').hidden = false;
  $('progress').value = 0;
  $('status').textContent = 'sending...';
  try {
    const j = await api('POST', url);
    state.job = j.job;
    const done = await poll(j.job);
    if (done.kind === 'sheet') showSheet(done); else showResult(done);
    $('status').textContent = `done in ${done.seconds.toFixed(1)} s`;
  } catch (err) {
    showError(err.message);
    $('status').textContent = 'failed';
  } finally {
    busy(false);
  }
}

function poll(id) {
  return new Promise((resolve, reject) => {
    const tick = async () => {
      let j;
      try { j = await api('GET', '/api/job?job=' + id); } catch (err) { reject(err); return; }
      $('progress').max = Math.max(1, j.total);
      $('progress').value = j.done;
      if (j.state === 'queued') $('status').textContent = `waiting (${j.ahead} ahead)`;
      else if (j.state === 'running') $('status').textContent = `step ${j.done} / ${j.total} (${j.seconds.toFixed(1)} s)`;
      if (j.state === 'done') resolve(j);
      else if (j.state === 'failed') reject(new Error(j.error));
      else setTimeout(tick, 300);
    };
    tick();
  });
}

function probTable(faces, label) {
  const names = Object.keys(faces[0].judge.after);
  let h = '<table><tr><th>' + label + '</th>';
  for (const f of faces) h += `<th colspan="2">${f.target ? f.target : 'face ' + f.face}</th>`;
  h += '</tr><tr><td></td>';
  for (let i = 0; i < faces.length; i++) h += '<td>before</td><td>after</td>';
  h += '</tr>';
  for (const n of names) {
    h += `<tr><td>${n}</td>`;
    for (const f of faces) {
      const a = f.judge.before[n], b = f.judge.after[n];
      h += `<td>${a.toFixed(2)}</td><td>${b.toFixed(2)}<span class="bar" style="width:${(b * 40).toFixed(0)}px"></span></td>`;
    }
    h += '</tr>';
  }
  h += '<tr><td>identity (cosine)</td>';
  for (const f of faces) h += `<td colspan="2" class="identity">${f.judge.identity === null ? '-' : f.judge.identity.toFixed(3)}</td>`;
  return h + '</tr></table>';
}

function settingsText(s) {
  return `target <b>${s.target}</b>` + (s.prompt ? ` (from the prompt "${s.prompt.replace(/[<&"]/g, '')}")` : '') +
    `, intensity ${s.intensity === null ? 'none' : s.intensity.toFixed(2)}, guidance ${s.g_low} / ${s.g_high}, ` +
    `strength ${s.strength} (t0 ${s.t0}), ${s.steps} steps, seed ${s.seed}, faithfulness ${s.faith}; ` +
    `model ${s.model} (${s.model_size} px), faces at ${s.face_size} px.`;
}

function showResult(j) {
  const r = j.result;
  const url = '/api/result?job=' + j.job;
  $('before').src = '/api/image?photo=' + state.photo;
  $('after').src = url + '&what=photo';
  $('download').href = url + '&what=photo&download=1';
  $('face-before').src = url + '&what=source';
  $('face-after').src = url + '&what=face';
  $('metrics').innerHTML = '<p>' + settingsText(r.settings) + '</p>' +
    '<p>What the judge (face-api\'s expression net) sees on the edited face' + (r.faces.length > 1 ? 's' : '') +
    ', and how close the face stays to the original (recognition net, 1 = same):</p>' + probTable(r.faces, 'expression');
  $('result-panel').hidden = false;
}

function showSheet(j) {
  const r = j.result;
  $('sheet').src = '/api/result?job=' + j.job + '&what=sheet';
  $('sheet-metrics').innerHTML = '<p>' + settingsText(r.settings).replace(/target <b>[a-z]+<\/b>/, 'each target') +
    '</p>' + probTable(r.faces, 'expression');
  $('sheet-panel').hidden = false;
}

function fitCompare() {
  const a = $('after'), b = $('before');
  b.style.width = a.clientWidth + 'px';
  b.style.height = a.clientHeight + 'px';
  $('before-clip').style.width = $('split').value + '%';
}

/* ---- wiring ---- */
$('file').addEventListener('change', (e) => upload(e.target.files[0]));
$('demo-load').addEventListener('click', () => photoRequest(() => api('POST', '/api/photo?demo=' + encodeURIComponent($('demo').value))));
const drop = $('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); upload(e.dataTransfer.files[0]); });
$('all-faces').addEventListener('click', () => { state.chosen = state.faces.map((f) => f.index); markChosen(); });
$('prompt-go').addEventListener('click', () => { const p = $('prompt').value.trim(); if (p) startEdit({ prompt: p }); });
$('prompt').addEventListener('keydown', (e) => { if (e.key === 'Enter') $('prompt-go').click(); });
$('intensity').addEventListener('input', () => {
  $('intensity').dataset.touched = '1';
  $('intensity-out').textContent = Number($('intensity').value).toFixed(2);
});
$('sheet-go').addEventListener('click', startSheet);
$('split').addEventListener('input', fitCompare);
$('after').addEventListener('load', fitCompare);
window.addEventListener('resize', fitCompare);
loadInfo();
