// awsfake console: live request table, reset button, and the signature debugger's line diff. No build step.
"use strict";

(function live() {
  const rows = document.getElementById("rows");
  if (!rows) return;
  const status = document.getElementById("live");
  const query = new URLSearchParams(location.search);
  query.set("rows", "1");
  let last = rows.innerHTML;
  async function poll() {
    try {
      const answer = await fetch(location.pathname + "?" + query.toString(), { cache: "no-store" });
      const html = await answer.text();
      if (html !== last) { rows.innerHTML = html; last = html; }
      status.textContent = "live · " + new Date().toLocaleTimeString();
    } catch (e) {
      status.textContent = "not reachable";
    }
  }
  setInterval(poll, 1000);
  const reset = document.getElementById("reset");
  if (reset) reset.addEventListener("click", async () => { await fetch("/_awsfake/reset", { method: "POST" }); poll(); });
})();

function parseCanonical(text) {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const blank = lines.indexOf("", 3);
  if (lines.length < 6 || blank < 0) return null;
  const headers = {};
  for (let i = 3; i < blank; i++) {
    const colon = lines[i].indexOf(":");
    headers[lines[i].slice(0, colon)] = { value: lines[i].slice(colon + 1), line: i };
  }
  return { lines, method: 0, path: 1, query: 2, headers, signed: blank + 1, payload: blank + 2 };
}

const CAUSES = {
  method: "The method differs.",
  path: "The path differs: path encoding (S3 signs the path encoded once, other services twice; a client or proxy re-encoded or normalised it).",
  query: "The query string differs: a parameter was added, changed or encoded differently after signing (names sorted, spaces as %20).",
  signed: "The list of signed headers differs.",
  payload: "The payload hash differs: the body changed after signing, or its hash was computed over different bytes.",
};

function cleanPasted(text) {
  const marker = text.indexOf("CanonicalRequest:");
  if (marker >= 0) text = text.slice(marker + "CanonicalRequest:".length);
  text = text.replace(/\r\n/g, "\n").replace(/^\n+/, "");
  const end = text.search(/\n\d{4}-\d\d-\d\d [\d:,]+ - /);  // botocore's next log line
  if (end >= 0) text = text.slice(0, end);
  return text.replace(/\n+$/, "");
}

async function sha256Hex(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, "0")).join("");
}

function lineSpans(lines, marked) {
  return lines.map((l, n) => {
    const span = document.createElement("span");
    span.className = "line" + (marked.has(n) ? " differs" : "");
    span.textContent = l || "\u00a0";
    return span;
  });
}

async function compare() {
  const expectedPre = document.getElementById("expected-canonical");
  const expectedText = Array.from(expectedPre.querySelectorAll(".line")).map((s) => s.textContent.replace(/^\u00a0$/, "")).join("\n");
  const clientText = cleanPasted(document.getElementById("client-canonical").value);
  const list = document.getElementById("differences");
  const view = document.getElementById("client-view");
  list.innerHTML = ""; view.innerHTML = "";
  expectedPre.querySelectorAll(".line").forEach((s) => s.classList.remove("differs"));
  const say = (text, cls) => { const li = document.createElement("li"); li.textContent = text; if (cls) li.className = cls; list.appendChild(li); };
  const e = parseCanonical(expectedText), c = parseCanonical(clientText);
  if (!c) { say("That does not look like a canonical request (method, path, query, headers, a blank line, signed headers, payload hash)."); return; }
  const eMarks = new Set(), cMarks = new Set();
  for (const part of ["method", "path", "query", "signed", "payload"]) {
    if (e.lines[e[part]] !== c.lines[c[part]]) { eMarks.add(e[part]); cMarks.add(c[part]); say(CAUSES[part]); }
  }
  const names = new Set([...Object.keys(e.headers), ...Object.keys(c.headers)]);
  for (const name of names) {
    const eh = e.headers[name], ch = c.headers[name];
    if (eh && ch && eh.value === ch.value) continue;
    if (eh) eMarks.add(eh.line);
    if (ch) cMarks.add(ch.line);
    if (eh && ch) say(`Header ${name} changed after signing: signed "${ch.value}", the fake received "${eh.value}".`);
    else if (ch) say(`Header ${name} was signed but not received as signed.`);
    else say(`Header ${name} was received but the client did not sign it that way.`);
  }
  expectedPre.querySelectorAll(".line").forEach((s, n) => { if (eMarks.has(n)) s.classList.add("differs"); });
  const pre = document.createElement("pre");
  pre.className = "signing"; pre.id = "client-canonical-view";
  lineSpans(c.lines, cMarks).forEach((s) => pre.appendChild(s));
  const h = document.createElement("h4"); h.textContent = "Canonical request (client)";
  view.appendChild(h); view.appendChild(pre);
  const sts = document.getElementById("debugger").dataset.expectedSts.split("\n");
  if (sts.length === 4 && window.crypto && crypto.subtle) {
    const clientSts = [sts[0], sts[1], sts[2], await sha256Hex(c.lines.join("\n"))];
    const stsPre = document.createElement("pre");
    stsPre.className = "signing"; stsPre.id = "client-sts-view";
    lineSpans(clientSts, new Set(clientSts[3] !== sts[3] ? [3] : [])).forEach((s) => stsPre.appendChild(s));
    const h2 = document.createElement("h4"); h2.textContent = "String to sign (client, from its canonical request)";
    view.appendChild(h2); view.appendChild(stsPre);
  }
  if (eMarks.size === 0) {
    say("The canonical requests are identical, so the client signed them with a different secret key: check AWS_SECRET_ACCESS_KEY and the profile in use.", "same");
  }
}

(function debuggerSetup() {
  const button = document.getElementById("compare");
  if (button) button.addEventListener("click", compare);
})();
