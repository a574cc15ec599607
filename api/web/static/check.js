// Draft check page: posts pasted text (JSON) or a file (multipart) to /api/check, shows findings side by side.
"use strict";

(() => {
  const { esc, docHref, api } = STDKG;
  const form = document.getElementById("check-form");
  const text = document.getElementById("draft-text");
  const file = document.getElementById("draft-file");
  const statusSelect = document.getElementById("check-status");
  const onlyFindings = document.getElementById("only-findings");
  const button = document.getElementById("check-button");
  const statusLine = document.getElementById("check-status-line");
  const summary = document.getElementById("check-summary");
  const table = document.getElementById("check-results");
  const KIND = { duplicate: "重复", overlap: "重叠", conflict: "冲突" };
  const REASON = { quantity: "数值不同", obligation: "义务程度不同", body: "责任主体不同", superseded: "沿用已被修订的旧版条文" };
  const AUTHORITY = { higher: "上位规定（须遵从）", same: "同级规定（应协调）", "other-jurisdiction": "其他地区规定（仅供参考）" };
  let last = null;

  function request(format) {
    const url = `/api/check?status=${encodeURIComponent(statusSelect.value)}&format=${format}`;
    if (file.files.length) {
      const body = new FormData();
      body.append("file", file.files[0]);
      return [url, { method: "POST", body }];
    }
    const body = JSON.stringify({ text: text.value, name: "草案.txt" });
    return [url, { method: "POST", headers: { "Content-Type": "application/json" }, body }];
  }

  function findingHtml(f) {
    const reasons = (f.reasons || []).map((r) =>
      `${REASON[r.type] || esc(r.type)}：草案“${esc(r.draft)}”，现有“${esc(r.existing)}”`).join("；");
    return `<div class="finding ${esc(f.kind)}"><span class="kind">${KIND[f.kind] || esc(f.kind)}</span>
      <a href="${docHref(f.doc_id, f.clause_id)}">${esc(f.doc_number || "")} ${esc(f.doc_title)} 条款 ${esc(f.clause_number)}</a>
      <span class="muted">（相似度 ${Number(f.similarity).toFixed(3)}）</span>
      ${f.authority ? `<span class="authority">${esc(AUTHORITY[f.authority] || f.authority)}</span>` : ""}
      <div>${esc(f.text)}</div>${reasons ? `<p class="reasons">理由：${reasons}</p>` : ""}</div>`;
  }

  function render() {
    if (!last) return;
    const s = last.summary || {};
    summary.innerHTML = `<span>冲突 ${s.conflict ?? 0} 条</span><span>重复 ${s.duplicate ?? 0} 条</span>` +
      `<span>重叠 ${s.overlap ?? 0} 条</span><span>未发现 ${s.none ?? 0} 条</span>`;
    const rows = last.clauses.filter((c) => !onlyFindings.checked || c.findings.length).map((c) => {
      const right = c.findings.length ? c.findings.map(findingHtml).join("") : '<span class="none">未发现重复、重叠或冲突</span>';
      return `<tr class="draft-clause"><td><b>${esc(c.number)}</b> ${esc(c.text)}</td><td>${right}</td></tr>`;
    });
    table.tBodies[0].innerHTML = rows.join("");
    table.hidden = false;
    statusLine.textContent = `《${last.draft}》共 ${last.clauses.length} 条草案条款。`;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!file.files.length && !text.value.trim()) {
      statusLine.textContent = "请粘贴草案文本或选择文件。";
      return;
    }
    button.disabled = true;
    statusLine.className = "muted";
    statusLine.textContent = "检查中，请稍候……";
    try {
      last = await api(...request("json"));
      render();
    } catch (err) {
      statusLine.textContent = "检查失败：" + err.message;
      statusLine.className = "error";
    } finally {
      button.disabled = false;
    }
  });

  onlyFindings.addEventListener("change", render);

  document.getElementById("report-button").addEventListener("click", async () => {
    try {
      const html = await api(...request("html"));
      const url = URL.createObjectURL(new Blob([html], { type: "text/html" }));
      window.open(url, "_blank");
    } catch (err) {
      statusLine.textContent = "报告生成失败：" + err.message;
      statusLine.className = "error";
    }
  });
})();
