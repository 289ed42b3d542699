// The review page: one HTML document with its CSS and JavaScript inline, kept in the binary so
// that the server needs no files beside it. It talks to the same API as any client (GET
// /v1/templates, /v1/models, POST /v1/ocr with format=json) and keeps corrections in the
// browser; exports are built there too.
#include "serve/review_page.h"

namespace mlxocr::serve {

namespace {

const char* const kStyle = R"CSS(
body { font: 14px system-ui, sans-serif; margin: 0; color: #222; }
header { background: #234; color: #fff; padding: 8px 16px; display: flex; gap: 16px;
         align-items: center; flex-wrap: wrap; }
header h1 { font-size: 18px; margin: 0 16px 0 0; }
header label { display: flex; gap: 4px; align-items: center; }
main { display: flex; gap: 16px; padding: 16px; align-items: flex-start; }
#drop { border: 2px dashed #89a; padding: 24px; text-align: center; color: #567; }
#drop.over { background: #eef; }
#viewer { position: relative; flex: 3; min-width: 0; }
#page { display: block; width: 100%; height: auto; }
.field-box { position: absolute; box-sizing: border-box; border: 2px solid #2a2;
             cursor: pointer; }
.field-box.doubtful { border-color: #e80; background: rgba(255, 140, 0, 0.12); }
.field-box.corrected { border-color: #27c; }
.field-box.selected { outline: 3px solid #27c; }
.field-box span { position: absolute; left: 0; top: -16px; font-size: 11px; background: #fff;
                  padding: 0 2px; }
#side { flex: 2; min-width: 320px; }
table { border-collapse: collapse; width: 100%; }
td, th { border-bottom: 1px solid #ddd; padding: 3px 4px; text-align: left; }
tr.doubtful td.conf { color: #c60; font-weight: bold; }
tr.selected { background: #eef4ff; }
td input { width: 100%; box-sizing: border-box; }
.models { color: #666; font-size: 12px; }
#status { margin: 8px 0; }
#status.error { color: #b00; }
textarea { width: 100%; height: 140px; font: 12px monospace; }
)CSS";

const char* const kBody = R"HTML(
<header>
  <h1>mlxocr review</h1>
  <label>Template <select id="template"><option value="">none (line mode)</option></select></label>
  <label>Mode <select id="mode"><option value="">auto</option><option>line</option>
    <option>page</option><option>form</option></select></label>
  <label>Models <span id="models"></span></label>
  <label>API key <input id="key" type="password" size="12"></label>
</header>
<main>
  <section id="viewer">
    <div id="drop">Drop a scan here, or <input id="file" type="file"
      accept="image/*,application/pdf"></div>
    <div id="status"></div>
    <div id="stage" style="position: relative"><img id="page" alt=""></div>
  </section>
  <section id="side">
    <table id="fields"><thead><tr><th>#</th><th>Name</th><th>Text</th><th>Conf.</th></tr>
    </thead><tbody></tbody></table>
    <p><button id="export-csv">Export CSV</button> <button id="export-json">Export JSON</button>
    </p>
    <textarea id="export-output" readonly placeholder="The export appears here too"></textarea>
  </section>
</main>
)HTML";

const char* const kScript = R"JS(
'use strict';
const DOUBTFUL = 0.5;  // confidence below this is marked, as in the annotated pictures
const $ = (id) => document.getElementById(id);
let pages = [], fileName = '';

function headers() {
  const key = $('key').value;
  localStorage.setItem('mlxocr-key', key);
  return key ? {Authorization: 'Bearer ' + key} : {};
}

function status(text, error) {
  $('status').textContent = text;
  $('status').className = error ? 'error' : '';
}

async function getJson(path) {
  const res = await fetch(path, {headers: headers()});
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}

async function loadChoices() {
  $('template').length = 1;
  $('models').replaceChildren();
  try {
    const templates = await getJson('/v1/templates');
    for (const t of templates.templates) {
      const option = document.createElement('option');
      option.value = option.textContent = t.name;
      $('template').append(option);
    }
    const models = await getJson('/v1/models');
    for (const m of models.models) {
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.value = m.name;
      box.checked = m.first;
      label.append(box, ' ' + m.name.split('/').pop());
      label.title = m.name;
      $('models').append(label);
    }
  } catch (e) {
    status('Cannot list templates and models: ' + e.message + ' (API key?)', true);
  }
}

async function upload(file) {
  fileName = file.name;
  const form = new FormData();
  form.append('file', file, file.name);
  form.append('format', 'json');
  if ($('template').value) form.append('template', $('template').value);
  if ($('mode').value) form.append('mode', $('mode').value);
  const chosen = [...$('models').querySelectorAll('input:checked')].map((b) => b.value);
  if (chosen.length) form.append('models', chosen.join(','));
  status('Reading ' + file.name + ' ...');
  const isImage = file.type.startsWith('image/') && file.type !== 'image/tiff';
  $('page').src = isImage ? URL.createObjectURL(file) : '';
  try {
    const res = await fetch('/v1/ocr', {method: 'POST', body: form, headers: headers()});
    const body = await res.json();
    if (!res.ok) throw new Error(body.error || res.statusText);
    pages = Array.isArray(body) ? body : [body];
    for (const page of pages)
      for (const f of page.fields || []) f.original = f.text;
    const count = pages.reduce((n, p) => n + (p.fields || []).length, 0);
    status(file.name + ': ' + count + ' field(s)' +
           (isImage ? '' : ' (this browser shows no picture of PDF or TIFF pages)'));
    render();
  } catch (e) {
    pages = [];
    render();
    status(file.name + ': ' + e.message, true);
  }
}

// Boxes are in the page's pixels; the picture is shown scaled to the column's width.
function drawBoxes() {
  for (const old of document.querySelectorAll('.field-box')) old.remove();
  const img = $('page');
  if (!pages.length || !img.naturalWidth) return;
  const scale = img.clientWidth / img.naturalWidth;
  for (const f of pages[0].fields || []) {
    const box = document.createElement('div');
    box.className = 'field-box' + (f.confidence < DOUBTFUL ? ' doubtful' : '') +
                    (f.text !== f.original ? ' corrected' : '');
    box.dataset.index = f.index;
    Object.assign(box.style, {left: f.box.x * scale + 'px', top: f.box.y * scale + 'px',
                              width: f.box.w * scale + 'px', height: f.box.h * scale + 'px'});
    box.title = f.text + ' (' + f.confidence.toFixed(3) + ')';
    const label = document.createElement('span');
    label.textContent = f.index;
    box.append(label);
    box.addEventListener('click', () => select(0, f.index));
    $('stage').append(box);
  }
}

function render() {
  const body = $('fields').tBodies[0];
  body.replaceChildren();
  pages.forEach((page, p) => {
    if (page.error) status(page.error, true);
    for (const f of page.fields || []) {
      const row = body.insertRow();
      row.id = 'row-' + p + '-' + f.index;
      row.className = f.confidence < DOUBTFUL ? 'doubtful' : '';
      row.insertCell().textContent = (pages.length > 1 ? 'p' + page.page + ' ' : '') + f.index;
      row.insertCell().textContent = f.name;
      const input = document.createElement('input');
      input.value = f.text;
      input.id = 'text-' + p + '-' + f.index;
      input.addEventListener('input', () => { f.text = input.value; drawBoxes(); });
      input.addEventListener('focus', () => select(p, f.index, true));
      const cell = row.insertCell();
      cell.append(input);
      if ((f.models || []).length > 1) {
        const others = document.createElement('div');
        others.className = 'models';
        others.textContent = f.models.map((m) => m.model.split('/').pop() + ': ' + m.text)
                                 .join(' | ');
        cell.append(others);
      }
      const conf = row.insertCell();
      conf.className = 'conf';
      conf.textContent = f.confidence.toFixed(3);
    }
  });
  drawBoxes();
}

function select(p, index, fromInput) {
  for (const el of document.querySelectorAll('.selected')) el.classList.remove('selected');
  const row = $('row-' + p + '-' + index);
  if (row) row.classList.add('selected');
  const box = p === 0 && document.querySelector('.field-box[data-index="' + index + '"]');
  if (box) box.classList.add('selected');
  if (!fromInput) $('text-' + p + '-' + index).focus();
}

function csvCell(value) {
  const text = String(value);
  return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
}

function exportText(kind) {
  if (kind === 'json') {
    return JSON.stringify(pages.map((page) => ({
      image: fileName, page: page.page,
      fields: (page.fields || []).map((f) => ({index: f.index, name: f.name, box: f.box,
        text: f.text, confidence: f.confidence, corrected: f.text !== f.original,
        read: f.original}))})), null, 2);
  }
  const rows = [['file', 'page', 'index', 'name', 'x', 'y', 'w', 'h', 'text', 'confidence',
                 'corrected', 'read']];
  for (const page of pages)
    for (const f of page.fields || [])
      rows.push([fileName, page.page, f.index, f.name, f.box.x, f.box.y, f.box.w, f.box.h,
                 f.text, f.confidence, f.text !== f.original, f.original]);
  return rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

function download(kind) {
  const text = exportText(kind);
  $('export-output').value = text;
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([text], {type: kind === 'json' ?
                                          'application/json' : 'text/csv'}));
  link.download = (fileName.replace(/\.[^.]*$/, '') || 'fields') + '.reviewed.' + kind;
  link.click();
}

$('key').value = localStorage.getItem('mlxocr-key') || '';
$('file').addEventListener('change', () => { if ($('file').files[0]) upload($('file').files[0]); });
$('drop').addEventListener('dragover', (e) => { e.preventDefault(); $('drop').className = 'over'; });
$('drop').addEventListener('dragleave', () => { $('drop').className = ''; });
$('drop').addEventListener('drop', (e) => {
  e.preventDefault();
  $('drop').className = '';
  if (e.dataTransfer.files[0]) upload(e.dataTransfer.files[0]);
});
$('page').addEventListener('load', drawBoxes);
window.addEventListener('resize', drawBoxes);
$('export-csv').addEventListener('click', () => download('csv'));
$('export-json').addEventListener('click', () => download('json'));
$('key').addEventListener('change', loadChoices);
loadChoices();
)JS";

}  // namespace

const std::string& review_page_html() {
  static const std::string page = std::string("<!doctype html>\n<html lang=\"en\"><head>") +
                                  "<meta charset=\"utf-8\"><title>mlxocr review</title><style>" +
                                  kStyle + "</style></head><body>" + kBody + "<script>" + kScript +
                                  "</script></body></html>\n";
  return page;
}

}  // namespace mlxocr::serve
