// digitnet's drawing page: plain JavaScript, no build step, no network beyond this server.
"use strict";

const canvas = document.getElementById("canvas");
const ctx = canvas.getContext("2d");
const drop = document.getElementById("drop");
const predictionEl = document.getElementById("prediction");
const confidenceEl = document.getElementById("confidence");
const messageEl = document.getElementById("message");
const barsEl = document.getElementById("bars");
const inputsEl = document.getElementById("inputs");

const SIZES = { digit: [280, 280], number: [560, 200] };
let mode = "digit";
let strokes = [];        // each {width, points: [{x, y}]} in CSS pixels
let current = null;      // the stroke being drawn
let background = null;   // an uploaded image drawn under the strokes
let inFlight = false;    // one request at a time; `pending` asks for another when it returns
let pending = false;
let generation = 0;      // bumped by clear/mode switches so stale answers are dropped

function cssSize() { return SIZES[mode]; }

function strokeWidth() {
  // About a fifteenth of the height: a pen on paper, close to MNIST's proportions.
  return Math.round(cssSize()[1] / 15);
}

function resizeCanvas() {
  const [w, h] = cssSize();
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(w * ratio);
  canvas.height = Math.round(h * ratio);
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  redraw();
}

function drawStroke(stroke) {
  const pts = stroke.points;
  ctx.lineWidth = stroke.width;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.strokeStyle = "#111";
  ctx.fillStyle = "#111";
  if (pts.length === 1) {
    ctx.beginPath();
    ctx.arc(pts[0].x, pts[0].y, stroke.width / 2, 0, 2 * Math.PI);
    ctx.fill();
    return;
  }
  // Quadratic curves through the midpoints between samples: smooth, and it passes
  // close to every point the pointer reported.
  ctx.beginPath();
  ctx.moveTo(pts[0].x, pts[0].y);
  for (let i = 1; i < pts.length - 1; i++) {
    const mx = (pts[i].x + pts[i + 1].x) / 2, my = (pts[i].y + pts[i + 1].y) / 2;
    ctx.quadraticCurveTo(pts[i].x, pts[i].y, mx, my);
  }
  const last = pts[pts.length - 1];
  ctx.lineTo(last.x, last.y);
  ctx.stroke();
}

function redraw() {
  const [w, h] = cssSize();
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, h);
  if (background) {
    const scale = Math.min(w / background.width, h / background.height);
    const bw = background.width * scale, bh = background.height * scale;
    ctx.drawImage(background, (w - bw) / 2, (h - bh) / 2, bw, bh);
  }
  for (const s of strokes) drawStroke(s);
  if (current) drawStroke(current);
}

function point(event) {
  const rect = canvas.getBoundingClientRect();
  const [w, h] = cssSize();
  return {
    x: (event.clientX - rect.left) * (w / rect.width),
    y: (event.clientY - rect.top) * (h / rect.height),
  };
}

canvas.addEventListener("pointerdown", (event) => {
  event.preventDefault();
  canvas.setPointerCapture(event.pointerId);
  current = { width: strokeWidth(), points: [point(event)] };
  redraw();
});

canvas.addEventListener("pointermove", (event) => {
  if (!current) return;
  const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
  for (const e of (events.length ? events : [event])) current.points.push(point(e));
  redraw();
  requestPrediction();
});

function endStroke() {
  if (!current) return;
  strokes.push(current);
  current = null;
  redraw();
  requestPrediction();
}
canvas.addEventListener("pointerup", endStroke);
canvas.addEventListener("pointercancel", endStroke);

document.getElementById("undo").addEventListener("click", () => {
  if (strokes.length) strokes.pop(); else background = null;
  redraw();
  if (isBlank()) reset(); else requestPrediction();
});

document.getElementById("clear").addEventListener("click", () => {
  strokes = []; current = null; background = null;
  redraw();
  reset();
});

function isBlank() { return !strokes.length && !current && !background; }

function reset() {
  generation++;
  predictionEl.textContent = "\u2013";
  confidenceEl.textContent = "";
  messageEl.textContent = "";
  barsEl.replaceChildren();
  inputsEl.replaceChildren();
}

function setMode(next) {
  mode = next;
  document.body.classList.toggle("number", mode === "number");
  for (const id of ["digit", "number"]) {
    const button = document.getElementById("mode-" + id);
    button.classList.toggle("active", id === mode);
    button.setAttribute("aria-pressed", String(id === mode));
  }
  strokes = []; current = null; background = null;
  resizeCanvas();
  reset();
}
document.getElementById("mode-digit").addEventListener("click", () => setMode("digit"));
document.getElementById("mode-number").addEventListener("click", () => setMode("number"));

function endpoint() { return mode === "number" ? "/api/read-number" : "/api/predict"; }

function requestPrediction() {
  if (isBlank()) return;
  if (inFlight) { pending = true; return; }
  inFlight = true;
  const sentFor = generation;
  canvas.toBlob((blob) => send(blob, "drawing.png", sentFor), "image/png");
}

async function send(blob, name, sentFor) {
  const form = new FormData();
  form.append("file", blob, name);
  try {
    const response = await fetch(endpoint(), { method: "POST", body: form });
    const body = await response.json();
    if (sentFor === generation) show(response.ok, body);
  } catch (err) {
    if (sentFor === generation) show(false, { error: "the server did not answer (" + err + ")" });
  } finally {
    inFlight = false;
    if (pending) { pending = false; requestPrediction(); }
  }
}

function show(ok, body) {
  barsEl.replaceChildren();
  inputsEl.replaceChildren();
  if (!ok) {
    predictionEl.textContent = "\u2013";
    confidenceEl.textContent = "";
    messageEl.textContent = body.error || "the image could not be read";
    return;
  }
  messageEl.textContent = "";
  if (body.digits) {
    predictionEl.textContent = body.number;
    confidenceEl.textContent = percent(body.confidence) + " sure of all";
    body.digits.forEach((d, i) => {
      addBar("#" + (i + 1), d.confidence, true, String(d.digit));
      addInput(d.input, d.digit + " \u00b7 " + percent(d.confidence));
    });
  } else {
    predictionEl.textContent = String(body.digit);
    confidenceEl.textContent = percent(body.confidence);
    body.probabilities.forEach((p, digit) => addBar(String(digit), p, digit === body.digit));
    addInput(body.input, "input");
  }
}

function percent(p) { return (100 * p).toFixed(1) + "%"; }

function addBar(label, value, top, note) {
  const name = document.createElement("span");
  name.textContent = label;
  const bar = document.createElement("div");
  bar.className = "bar" + (top ? " top" : "");
  const fill = document.createElement("div");
  fill.className = "fill";
  fill.style.width = (100 * value).toFixed(1) + "%";
  bar.appendChild(fill);
  const pct = document.createElement("span");
  pct.className = "pct";
  pct.textContent = (note ? note + " " : "") + percent(value);
  const row = document.createElement("div");
  row.className = top ? "top" : "";
  row.style.display = "contents";
  row.append(name, bar, pct);
  barsEl.appendChild(row);
}

function addInput(pixels, caption) {
  const small = document.createElement("canvas");
  small.width = 28; small.height = 28;
  const image = small.getContext("2d").createImageData(28, 28);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const i = 4 * (28 * y + x), v = pixels[y][x];
      image.data[i] = image.data[i + 1] = image.data[i + 2] = v;
      image.data[i + 3] = 255;
    }
  }
  small.getContext("2d").putImageData(image, 0, 0);
  const figure = document.createElement("figure");
  const label = document.createElement("figcaption");
  label.textContent = caption;
  figure.append(small, label);
  inputsEl.appendChild(figure);
}

// --- files: picked or dropped ------------------------------------------------------------

function readFile(file) {
  if (!file) return;
  strokes = []; current = null;
  generation++;
  const sentFor = generation;
  const url = URL.createObjectURL(file);
  const img = new Image();
  img.onload = () => { background = img; redraw(); };
  img.onerror = () => { background = null; redraw(); };
  img.src = url;
  inFlight = true;
  send(file, file.name, sentFor);
}

document.getElementById("file").addEventListener("change", (event) => {
  readFile(event.target.files[0]);
  event.target.value = "";
});
drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  readFile(event.dataTransfer.files[0]);
});

// --- the model's description ---------------------------------------------------------------

fetch("/api/model").then((r) => r.json()).then((m) => {
  const accuracy = m.test_accuracy == null ? "" : ", " + percent(m.test_accuracy) + " on MNIST's test set";
  document.getElementById("model").textContent =
    "Model: " + m.sizes.join("-") + " " + m.activation + accuracy + (m.data ? " (trained on " + m.data + ")" : "");
}).catch(() => {});

resizeCanvas();
reset();
