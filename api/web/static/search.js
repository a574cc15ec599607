// Search page: reads the form, keeps the query in the URL, renders hits from /api/search or /api/covers.
"use strict";

(() => {
  const form = document.getElementById("search-form");
  const results = document.getElementById("results");
  const statusLine = document.getElementById("search-status");
  const FIELDS = ["q", "status", "domain", "kind", "mode", "view"];
  const { esc, docHref, statusBadge, api } = STDKG;

  function params() {
    const p = new URLSearchParams();
    for (const name of FIELDS) {
      const value = form.elements[name].value.trim();
      if (value) p.set(name, value);
    }
    return p;
  }

  function hitHtml(h) {
    const where = [h.clause_number, h.heading].filter(Boolean).map(esc).join(" ");
    return `<li class="hit" data-clause-id="${esc(h.clause_id)}">
      <a class="title" href="${docHref(h.doc_id, h.clause_id)}">${esc(h.doc_number || "")} ${esc(h.doc_title)}</a>
      ${statusBadge(h.status)}
      <div class="where">条款 ${where}</div>
      <p class="snippet">${h.snippet}</p>
      <div class="where">${esc((h.domains || []).join("、"))} · 得分 ${h.score.toFixed(4)}</div></li>`;
  }

  function documentHtml(d) {
    const clauses = d.clauses.map((h) => `<li><a href="${docHref(d.doc_id, h.clause_id)}">${esc(h.clause_number)}
      ${esc(h.heading || "")}</a> <span class="snippet">${h.snippet}</span></li>`).join("");
    return `<li class="hit"><a class="title" href="${docHref(d.doc_id)}">${esc(d.doc_number || "")} ${esc(d.doc_title)}</a>
      ${statusBadge(d.status)}<ul class="clauses">${clauses}</ul></li>`;
  }

  async function run() {
    const p = params();
    if (!p.get("q")) return;
    const byDocument = p.get("view") === "documents";
    p.delete("view");
    statusLine.textContent = "检索中……";
    statusLine.className = "muted";
    try {
      const data = await api((byDocument ? "/api/covers?" : "/api/search?") + p.toString());
      const items = byDocument ? data.documents : data.hits;
      results.innerHTML = items.map(byDocument ? documentHtml : hitHtml).join("");
      statusLine.textContent = items.length ? `共 ${items.length} 条结果` : "没有找到结果，可换个说法，或把状态改为“全部”。";
    } catch (err) {
      results.innerHTML = "";
      statusLine.textContent = "检索失败：" + err.message;
      statusLine.className = "error";
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    history.pushState(null, "", "/?" + params().toString());
    run();
  });

  function fromUrl() {
    const p = new URLSearchParams(location.search);
    for (const name of FIELDS) if (p.has(name)) form.elements[name].value = p.get(name);
    if (p.get("q")) run(); else results.innerHTML = "";
  }
  window.addEventListener("popstate", fromUrl);
  fromUrl();
})();
