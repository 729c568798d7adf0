// The poster's print button (the admin's policy allows no inline handlers).
document.getElementById("print-poster").addEventListener("click", () => window.print());
