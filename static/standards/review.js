// Review page: a photo thumbnail opens the photo large in a dialog. Without this script the
// thumbnail is a link that opens the photo in a new tab.
(function () {
  "use strict";
  const dialog = document.getElementById("photo-dialog");
  if (!dialog || typeof dialog.showModal !== "function") return;
  const large = dialog.querySelector("img");
  document.addEventListener("click", (event) => {
    const thumb = event.target.closest(".photo-thumb");
    if (!thumb) return;
    event.preventDefault();
    large.src = thumb.href;
    large.alt = thumb.querySelector("img").alt;
    dialog.showModal();
  });
  // A click on the backdrop (outside the photo) closes it too.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
})();
