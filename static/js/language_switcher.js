// Submits the language form on change. A static file, not an onchange attribute, because the
// content security policy forbids inline scripts.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form.language-switcher select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
});
