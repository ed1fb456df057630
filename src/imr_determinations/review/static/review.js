// Review page for `imr review serve`: one letter at a time, spans highlighted per label,
// per-span accept/reject/delete/relabel, new spans drawn from a text selection (snapped to
// tokens), and a letter-level answer posted to /api/answer. No framework, no build step.
"use strict";

const state = { config: null, task: null, spans: [], nextId: 1, focusId: null, busy: false };
const $ = (id) => document.getElementById(id);

function el(tag, props, children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  for (const child of children || []) node.append(child);
  return node;
}

function setStatus(message, isError) {
  const node = $("status");
  node.textContent = message || "";
  node.className = isError ? "error" : "";
}

async function api(path, body) {
  const opts = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  const res = await fetch(path, opts);
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (!res.ok) throw new Error((data && data.error) || `HTTP ${res.status}`);
  return data;
}

function rgba(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

function color(label) { return state.config.colors[label] || "#dddddd"; }

function active(span) { return span.state !== "rejected"; }

// ------------------------------------------------------------ loading

async function loadNext() {
  const data = await api("/api/next");
  if (data.done) {
    state.task = null;
    $("done").hidden = false;
    document.querySelector("main").hidden = true;
    $("toolbar").hidden = true;
    showProgress(data.progress);
    return;
  }
  state.task = data;
  state.spans = data.spans.map((s) => ({
    id: state.nextId++, start: s.start, end: s.end, label: s.label,
    score: s.score === undefined ? null : s.score, state: "predicted",
  }));
  state.focusId = null;
  $("letter-name").textContent = `${data.letter_id}  (uncertainty ${Number(data.score).toFixed(2)})`;
  showProgress(data.progress);
  render();
  renderRecords();
  setStatus("");
}

function showProgress(p) { $("progress").textContent = `${p.answered} / ${p.total} answered`; }

// ------------------------------------------------------------ rendering

function render() {
  renderText();
  renderSpanList();
}

function renderText() {
  const text = state.task.text;
  const shown = state.spans.filter(active);
  const cuts = new Set([0, text.length]);
  for (const s of shown) { cuts.add(s.start); cuts.add(s.end); }
  const points = [...cuts].sort((a, b) => a - b);
  const box = $("text");
  box.replaceChildren();
  for (let i = 0; i < points.length - 1; i++) {
    const a = points[i], b = points[i + 1];
    const seg = el("span", { className: "seg", textContent: text.slice(a, b) });
    seg.dataset.start = String(a);
    const covering = shown.filter((s) => s.start <= a && s.end >= b)
      .sort((x, y) => (x.end - x.start) - (y.end - y.start));
    if (covering.length) {
      seg.classList.add("ann");
      seg.style.background = rgba(color(covering[0].label), 0.55);
      const lines = covering.map((s, k) => `inset 0 -${3 * (k + 1)}px 0 ${color(s.label)}`);
      seg.style.boxShadow = lines.join(", ");
      const starting = covering.filter((s) => s.start === a).map((s) => s.label);
      if (starting.length) {
        seg.classList.add("start");
        seg.dataset.label = starting.join(" · ");
      }
      seg.dataset.spanId = String(covering[0].id);
      if (covering.some((s) => s.id === state.focusId)) seg.classList.add("focus");
    }
    box.append(seg);
  }
}

function renderSpanList() {
  const list = $("span-list");
  list.replaceChildren();
  const ordered = [...state.spans].sort((x, y) => x.start - y.start || x.end - y.end);
  $("span-count").textContent = `(${state.spans.filter(active).length} kept, ${state.spans.length - state.spans.filter(active).length} rejected)`;
  for (const s of ordered) {
    const select = el("select", { title: "Relabel" },
      state.config.labels.map((l) => el("option", { value: l, textContent: l, selected: l === s.label })));
    select.style.background = rgba(color(s.label), 0.6);
    select.addEventListener("change", () => { s.label = select.value; s.state = s.state === "new" ? "new" : "accepted"; render(); });
    const excerpt = state.task.text.slice(s.start, s.end).replace(/\s+/g, " ");
    const textCell = el("span", { className: "span-text", textContent: excerpt, title: `${s.start}-${s.end}` });
    textCell.addEventListener("click", () => {
      state.focusId = s.id;
      render();
      const seg = $("text").querySelector(".seg.focus");
      if (seg) seg.scrollIntoView({ block: "center" });
    });
    const stateLabel = s.state + (s.score === null ? "" : ` ${s.score.toFixed(2)}`);
    const buttons = el("span", {}, [
      el("span", { className: "state", textContent: stateLabel }),
      button("✓", "Accept span", "span-accept", () => { s.state = s.state === "new" ? "new" : "accepted"; render(); }),
      button("✗", s.state === "rejected" ? "Restore span" : "Reject span", "span-reject", () => {
        s.state = s.state === "rejected" ? "predicted" : "rejected"; render();
      }),
      button("Del", "Delete span", "span-delete", () => {
        state.spans = state.spans.filter((x) => x.id !== s.id); render();
      }),
    ]);
    const row = el("div", { className: `span-row ${s.state}` }, [select, textCell, buttons]);
    row.dataset.spanId = String(s.id);
    row.dataset.start = String(s.start);
    row.dataset.end = String(s.end);
    row.dataset.label = s.label;
    if (s.id === state.focusId) row.classList.add("focus");
    list.append(row);
  }
  const focused = list.querySelector(".span-row.focus");
  if (focused) focused.scrollIntoView({ block: "nearest" });
}

function button(text, title, cls, onClick) {
  const b = el("button", { textContent: text, title, className: cls, type: "button" });
  b.addEventListener("click", onClick);
  return b;
}

// " p. 303-305, 309" from a linker guideline: "page_ranges" holds [start, end] pairs, "pages" the
// pages as written ("303-305; 309"), shown only when no pair was parsed.
function pagesText(g) {
  const pairs = (Array.isArray(g.page_ranges) ? g.page_ranges : []).filter((p) => Array.isArray(p) && p.length === 2);
  const parts = pairs.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`));
  if (parts.length) return ` p. ${parts.join(", ")}`;
  return typeof g.pages === "string" && g.pages ? ` p. ${g.pages}` : "";
}

function recordBox(r, i) {
  const guidelines = (r.guidelines || []).map((g) => {
    const section = g.section ? ` (${g.section})` : "";
    return el("li", { textContent: `${g.text || g.id || "?"}${section}${pagesText(g)}` });
  });
  const lines = [
    el("div", {}, [
      el("strong", { textContent: `Item ${r.item || i + 1}: ` }),
      document.createTextNode(r.service || "(no service)"),
    ]),
  ];
  if (r.original_request || r.authorized) {
    lines.push(el("div", {
      className: "partial",
      textContent: `Partial certification: requested ${r.original_request || "?"}; authorized ${r.authorized || "?"}`,
    }));
  }
  lines.push(
    el("div", {}, [
      document.createTextNode("Decision: "),
      el("span", { className: `decision ${r.decision || ""}`, textContent: r.decision || "none" }),
    ]),
    el("ul", {}, guidelines),
  );
  return el("div", { className: "record" }, lines);
}

function renderRecords() {
  const box = $("records");
  box.replaceChildren();
  const records = state.task.determinations || [];
  if (!records.length) box.append(el("p", { className: "muted", textContent: "No linked records (linker not in the pipeline or nothing linked)." }));
  records.forEach((r, i) => box.append(recordBox(r, i)));
  const warnings = $("warnings");
  warnings.replaceChildren(...(state.task.warnings || []).map((w) => el("li", { textContent: w })));
  if (!(state.task.warnings || []).length) warnings.append(el("li", { className: "muted", textContent: "none" }));
}

// ------------------------------------------------------------ drawing spans

function pointOffset(node, offset) {
  const box = $("text");
  if (node.nodeType === Node.TEXT_NODE) {
    const seg = node.parentNode;
    if (!seg || seg.dataset.start === undefined) return null;
    return Number(seg.dataset.start) + offset;
  }
  if (node === box) {
    if (offset >= box.childNodes.length) return state.task.text.length;
    return Number(box.childNodes[offset].dataset.start);
  }
  if (node.dataset && node.dataset.start !== undefined) {
    return Number(node.dataset.start) + (offset === 0 ? 0 : node.textContent.length);
  }
  return null;
}

function selectionRange() {
  const sel = window.getSelection();
  if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
  const range = sel.getRangeAt(0);
  if (!$("text").contains(range.commonAncestorContainer)) return null;
  const a = pointOffset(range.startContainer, range.startOffset);
  const b = pointOffset(range.endContainer, range.endOffset);
  if (a === null || b === null || b <= a) return null;
  return [a, b];
}

// Expand [a, b) to whole tokens, as Prodigy does, so the server's alignment check passes.
function snap(a, b) {
  const toks = state.task.tokens;
  let first = -1, last = -1;
  for (let i = 0; i < toks.length; i++) {
    if (first < 0 && toks[i][1] > a) first = i;
    if (toks[i][0] < b) last = i;
  }
  if (first < 0 || last < first) return null;
  return [toks[first][0], toks[last][1]];
}

function addSpan(label) {
  const range = selectionRange();
  if (!range) { setStatus("Select some letter text first, then pick a label.", true); return; }
  const snapped = snap(range[0], range[1]);
  if (!snapped) { setStatus("The selection holds no token.", true); return; }
  const [start, end] = snapped;
  if (state.spans.some((s) => s.start === start && s.end === end && s.label === label)) {
    setStatus("That span is already there.", true);
    return;
  }
  const span = { id: state.nextId++, start, end, label, score: null, state: "new" };
  state.spans.push(span);
  state.focusId = span.id;
  window.getSelection().removeAllRanges();
  render();
  setStatus(`Added ${label}: "${state.task.text.slice(start, end)}"`);
}

// ------------------------------------------------------------ answering

async function submit(answer) {
  if (!state.task || state.busy) return;
  state.busy = true;
  const pick = (s) => ({ start: s.start, end: s.end, label: s.label });
  try {
    await api("/api/answer", {
      task_id: state.task.task_id,
      answer,
      spans: state.spans.filter(active).map(pick),
      rejected_spans: state.spans.filter((s) => !active(s)).map(pick),
    });
    setStatus(`Saved: ${state.task.letter_id} ${answer}`);
    await loadNext();
  } catch (err) {
    setStatus(`Not saved: ${err.message}`, true);
  } finally {
    state.busy = false;
  }
}

function setupToolbar() {
  const bar = $("label-buttons");
  state.config.labels.forEach((label, i) => {
    const b = button(`${i + 1} ${label}`, `Label the selection ${label} (${i + 1})`, "label-btn", () => addSpan(label));
    b.dataset.label = label;
    b.style.background = rgba(color(label), 0.85);
    // keep the text selection when the button is pressed
    b.addEventListener("mousedown", (e) => e.preventDefault());
    bar.append(b);
  });
  $("btn-accept").addEventListener("click", () => submit("accept"));
  $("btn-reject").addEventListener("click", () => submit("reject"));
  $("btn-ignore").addEventListener("click", () => submit("ignore"));
  $("text").addEventListener("click", (e) => {
    const seg = e.target.closest ? e.target.closest(".seg.ann") : null;
    if (seg && window.getSelection().isCollapsed) {
      state.focusId = Number(seg.dataset.spanId);
      render();
    }
  });
  document.addEventListener("keydown", (e) => {
    if (e.target.tagName === "SELECT" || e.ctrlKey || e.metaKey || e.altKey) return;
    const n = Number(e.key);
    if (n >= 1 && n <= state.config.labels.length) addSpan(state.config.labels[n - 1]);
    else if (e.key === "a") submit("accept");
    else if (e.key === "x") submit("reject");
    else if (e.key === "i") submit("ignore");
  });
}

async function main() {
  try {
    state.config = await api("/api/config");
    setupToolbar();
    await loadNext();
  } catch (err) {
    setStatus(`Cannot load: ${err.message}`, true);
  }
}

main();
