// Draws the dashboard's charts from the JSON the page embeds (no inline scripts: the CSP forbids them).
// Each chart repeats a table on the page, which stays the accessible source of the same numbers.
(function () {
  const source = document.getElementById("chart-data");
  if (!source || typeof Chart === "undefined") return;
  const data = JSON.parse(source.textContent);
  const bar = (id, series, label) => {
    const el = document.getElementById(id);
    if (!el || !series) return;
    new Chart(el, {
      type: "bar",
      data: { labels: series.labels, datasets: [{ label, data: series.values }] },
      options: { indexAxis: "y", plugins: { legend: { display: false } } },
    });
  };
  const perDay = document.getElementById("chart-per-day");
  if (perDay && data.perDay) {
    new Chart(perDay, {
      data: {
        labels: data.perDay.labels,
        datasets: [
          { type: "bar", label: "Responses that day", data: data.perDay.daily, yAxisID: "y" },
          { type: "line", label: "Cumulative", data: data.perDay.cumulative, yAxisID: "y1", pointRadius: 0, spanGaps: false },
        ],
      },
      options: {
        scales: {
          x: { ticks: { maxTicksLimit: 12 }, title: { display: true, text: "Day (the axis ends at the deadline, " + data.perDay.deadline + ")" } },
          y: { position: "left", title: { display: true, text: "Per day" } },
          y1: { position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "Cumulative" } },
        },
      },
    });
  }
  bar("chart-by-type", data.byType, "Responses");
  bar("chart-by-region", data.byRegion, "Responses");
  bar("chart-by-size", data.bySize, "Responses");
  bar("chart-review", data.review, "Responses");
})();
