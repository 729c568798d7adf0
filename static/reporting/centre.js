// Report centre: follow the progress of running exports until they finish, then reload.
(function () {
  "use strict";
  const rows = document.querySelectorAll("tr[data-status-url]:not([data-status-url=''])");
  if (!rows.length) return;
  function poll() {
    let pending = 0;
    const requests = Array.from(rows).map(function (row) {
      return fetch(row.dataset.statusUrl, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (job) {
          row.querySelector("progress").value = job.percent;
          row.querySelector(".job-rows").textContent = job.progress + " / " + job.row_count;
          row.querySelector(".job-status").textContent = job.status_label;
          if (job.status === "queued" || job.status === "running") pending += 1;
        });
    });
    Promise.all(requests).then(function () {
      if (pending) window.setTimeout(poll, 2000);
      else window.location.reload();
    });
  }
  window.setTimeout(poll, 2000);
})();

// Report centre: while a report is being built, reload the page now and then, so that its
// progress bar moves and the finished file appears with its download button.
(function () {
  "use strict";
  if (!document.querySelector("tr[data-pending]")) return;
  window.setTimeout(function () { window.location.reload(); }, 3000);
})();
