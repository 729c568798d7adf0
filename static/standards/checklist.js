// Shows an item's comment and photo fields when it fails, counts answered items, and asks
// before leaving the page with answers that were not saved.
// Without this script every field is simply visible; nothing depends on it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  const form = document.getElementById("checklist-form");
  if (!form) return;
  const progress = document.getElementById("answered-count");
  const cards = Array.from(form.querySelectorAll(".item-card"));

  function choice(card) {
    const checked = card.querySelector("input[type=radio]:checked");
    return checked ? checked.value : null;
  }

  function failed(card) {
    const value = choice(card);
    if (value === null) return false;
    if (card.dataset.kind === "score") return Number(value) * 2 < Number(card.dataset.max);
    return value === "fail";
  }

  function refresh() {
    let answered = 0;
    for (const card of cards) {
      if (choice(card) !== null) answered += 1;
      card.classList.toggle("is-failure", failed(card));
    }
    if (progress) {
      progress.textContent = String(answered);
    }
  }

  for (const card of cards) {
    const comment = card.querySelector("textarea");
    const hasError = card.classList.contains("border-danger");
    if ((comment && comment.value.trim()) || hasError) card.classList.add("has-details");
  }
  let unsaved = false;
  form.addEventListener("change", () => {
    unsaved = true;
    refresh();
  });
  form.addEventListener("submit", () => {
    unsaved = false;
  });
  window.addEventListener("beforeunload", (event) => {
    if (unsaved) event.preventDefault();
  });
  refresh();
})();
