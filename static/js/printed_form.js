// The print button of the printed forms. A static file, not an onclick attribute, because the
// content security policy forbids inline scripts and event handlers.
document.getElementById("print-form").addEventListener("click", () => window.print());
