// Draws the dashboard's charts from the JSON the page embeds (no inline scripts: the CSP forbids them).
(function () {
  const source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const bar = (id, labels, values, label) => {
    const el = document.getElementById(id);
    if (!el) return;
    new Chart(el, { type: "bar", data: { labels, datasets: [{ label, data: values }] }, options: { indexAxis: "y", plugins: { legend: { display: false } } } });
  };
  const perDay = document.getElementById("chart-per-day");
  if (perDay) {
    new Chart(perDay, {
      data: {
        labels: data.perDay.labels,
        datasets: [
          { type: "bar", label: "Responses that day", data: data.perDay.daily, yAxisID: "y" },
          { type: "line", label: "Cumulative", data: data.perDay.cumulative, yAxisID: "y1" },
        ],
      },
      options: { scales: { y: { position: "left" }, y1: { position: "right", grid: { drawOnChartArea: false } } } },
    });
  }
  bar("chart-by-type", data.byType.labels, data.byType.values, "Responses");
  bar("chart-by-region", data.byRegion.labels, data.byRegion.values, "Responses");
  bar("chart-review", data.review.labels, data.review.values, "Responses");
})();
