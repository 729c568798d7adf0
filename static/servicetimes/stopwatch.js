// The timing page's stopwatch: Start and Stop fill the form's hidden start and stop times
// (ISO 8601, UTC) that the server judges; Save is offered once a timing is complete.
(function () {
  "use strict";
  function ready() {
    var button = document.getElementById("stopwatch-button");
    if (!button) return;
    var display = document.getElementById("stopwatch-time");
    var save = document.getElementById("stopwatch-save");
    var started = document.getElementById("id_started_at");
    var finished = document.getElementById("id_finished_at");
    var start = null;
    var timer = null;

    function show(ms) {
      var seconds = Math.floor(ms / 1000);
      var rest = seconds % 60;
      display.textContent = Math.floor(seconds / 60) + ":" + (rest < 10 ? "0" : "") + rest;
    }

    button.addEventListener("click", function () {
      if (timer === null) {
        start = new Date();
        started.value = start.toISOString();
        finished.value = "";
        save.disabled = true;
        show(0);
        timer = window.setInterval(function () { show(new Date() - start); }, 250);
        button.textContent = button.dataset.stop;
        button.classList.add("running");
      } else {
        var stop = new Date();
        window.clearInterval(timer);
        timer = null;
        finished.value = stop.toISOString();
        show(stop - start);
        save.disabled = false;
        button.textContent = button.dataset.again;
        button.classList.remove("running");
      }
    });
    // Tells a waiting test (and styles) that the button works now.
    button.dataset.ready = "true";
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
