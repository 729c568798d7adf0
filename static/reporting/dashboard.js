// Dashboard charts, drawn with the vendored Chart.js from the data the page embeds.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("dashboard-data").textContent);
  const labels = JSON.parse(document.getElementById("dashboard-labels").textContent);
  const percent = function (value) { return value === null ? null : Math.round(value * 1000) / 10; };

  new Chart(document.getElementById("trend-chart"), {
    data: {
      labels: data.trend.map(function (p) { return p.month; }),
      datasets: [
        { type: "bar", label: labels.complaints, data: data.trend.map(function (p) { return p.complaints; }), yAxisID: "y" },
        { type: "line", label: labels.on_time, data: data.trend.map(function (p) { return percent(p.reply_on_time_rate); }), yAxisID: "rate" },
      ],
    },
    options: {
      plugins: { title: { display: true, text: labels.trend_title } },
      scales: { y: { beginAtZero: true }, rate: { position: "right", min: 0, max: 100 } },
    },
  });

  new Chart(document.getElementById("reason-chart"), {
    type: "bar",
    data: {
      labels: data.by_reason.map(function (r) { return r.label; }),
      datasets: [{ label: labels.complaints, data: data.by_reason.map(function (r) { return r.n; }) }],
    },
    options: { indexAxis: "y", plugins: { legend: { display: false }, title: { display: true, text: labels.reason_title } } },
  });

  new Chart(document.getElementById("completion-chart"), {
    type: "bar",
    data: {
      labels: data.completion.map(function (c) { return c.outlet; }),
      datasets: [{ label: labels.completion, data: data.completion.map(function (c) { return percent(c.rate); }) }],
    },
    options: {
      plugins: { legend: { display: false }, title: { display: true, text: labels.completion_title } },
      scales: { y: { min: 0, max: 100 } },
    },
  });
})();
