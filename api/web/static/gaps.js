// Gap page: fetches /api/gaps and draws an inline SVG bar chart per domain (current, superseded, missing).
"use strict";

(() => {
  const { esc, api } = STDKG;
  const form = document.getElementById("gaps-form");
  const select = document.getElementById("gaps-domain");
  const statusLine = document.getElementById("gaps-status");
  const chart = document.getElementById("gaps-chart");
  const details = document.getElementById("gaps-details");
  const report = document.getElementById("gaps-report");
  const SERIES = [
    ["current", "现行文件", "#2e7d32", (d) => d.current],
    ["superseded", "已被代替", "#8a8f98", (d) => d.superseded],
    ["missing", "缺失事项", "#c0392b", (d) => d.missing.length],
  ];

  function svgChart(domains) {
    const label = 130, bar = 11, gap = 2, rowH = SERIES.length * (bar + gap) + 10, width = 760;
    const widest = Math.max(1, ...domains.flatMap((d) => SERIES.map((s) => s[3](d))));
    const scale = (width - label - 50) / widest;
    const rows = domains.map((d, i) => {
      const y = i * rowH + 6;
      const bars = SERIES.map(([key, name, color, value], j) => {
        const v = value(d), by = y + j * (bar + gap);
        return `<rect class="bar-${key}" x="${label}" y="${by}" width="${Math.max(v * scale, 1)}" height="${bar}"
          fill="${color}"><title>${esc(d.label)} ${name}：${v}</title></rect>
          <text x="${label + Math.max(v * scale, 1) + 4}" y="${by + bar - 1}">${v}</text>`;
      }).join("");
      return `<g class="domain" data-domain="${esc(d.label)}"><text x="0" y="${y + rowH / 2}">${esc(d.label)}</text>${bars}</g>`;
    }).join("");
    const legend = SERIES.map(([, name, color]) => `<span><i style="background:${color}"></i>${name}</span>`).join("");
    return `<figcaption class="legend">${legend}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${domains.length * rowH + 8}"
      role="img" aria-label="各业务领域的文件数与缺失事项">${rows}</svg>`;
  }

  function detailsHtml(d) {
    const missing = d.missing.map((m) => `<li>${esc(m.what)} <small class="muted">（${esc(m.why)}）</small></li>`).join("");
    const refs = (d.outdated_references || []).map((r) =>
      `<li>${esc(r.from)} → ${esc(r.to)}（${esc(r.reason || "")}）</li>`).join("");
    const stale = (d.stale || []).map(esc).join("、") || "无";
    return `<section class="domain-gaps"><h3>${esc(d.label)}</h3>
      <p>现行 ${d.current} 件，已被代替 ${d.superseded} 件，条款 ${d.clauses ?? 0} 条；超过复审周期：${stale}</p>
      ${missing ? `<p>尚无文件覆盖：</p><ul class="missing">${missing}</ul>` : "<p>政策要求的事项均已覆盖。</p>"}
      ${refs ? `<p>引用问题：</p><ul>${refs}</ul>` : ""}</section>`;
  }

  async function run() {
    const domain = select.value;
    const query = domain ? "?domain=" + encodeURIComponent(domain) : "";
    report.href = "/api/gaps?format=html" + (domain ? "&domain=" + encodeURIComponent(domain) : "");
    statusLine.textContent = "分析中……";
    statusLine.className = "muted";
    try {
      const data = await api("/api/gaps" + query);
      chart.innerHTML = svgChart(data.domains);
      details.innerHTML = data.domains.map(detailsHtml).join("");
      const missing = data.domains.reduce((n, d) => n + d.missing.length, 0);
      statusLine.textContent = `${data.domains.length} 个业务领域，缺失事项共 ${missing} 项。`;
    } catch (err) {
      statusLine.textContent = "分析失败：" + err.message;
      statusLine.className = "error";
    }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
  run();
})();
