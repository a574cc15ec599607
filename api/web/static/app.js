// Shared helpers for the stdkg pages (no framework, no build step).
"use strict";

const STDKG = {
  STATUS: { current: "现行", superseded: "已被代替", withdrawn: "已废止", unknown: "状态未知" },
  KIND: { standard: "标准", law: "法律", regulation: "法规", policy: "政策文件", other: "其他" },

  esc(text) {
    return String(text ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  },

  // Link to a document page, optionally to one clause (the page scrolls to it).
  docHref(docId, clauseId) {
    return "/documents/" + encodeURIComponent(docId) + (clauseId ? "#" + encodeURIComponent(clauseId) : "");
  },

  statusBadge(status) {
    return `<span class="badge status-${STDKG.esc(status)}">${STDKG.STATUS[status] || STDKG.esc(status)}</span>`;
  },

  // fetch + JSON; errors from the API ({error, detail}) become thrown Error messages.
  async api(url, options) {
    const response = await fetch(url, options);
    const type = response.headers.get("content-type") || "";
    const body = type.includes("json") ? await response.json() : await response.text();
    if (!response.ok) {
      const message = body && body.error ? body.error : `HTTP ${response.status}`;
      throw new Error(message);
    }
    return body;
  },
};
