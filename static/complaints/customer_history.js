// The add page: as the customer's phone or ID number is typed in, show their earlier entries
// (the same list the change page shows, rendered by the server). The numbers go in a POST
// body, never in a URL. Without JavaScript the list appears once the entry is saved.
(function () {
  "use strict";
  const box = document.getElementById("customer-history");
  const form = document.getElementById("complaint_form");
  if (!box || !box.dataset.url || !form) {
    return;
  }
  const body = box.querySelector(".customer-history-body");
  const names = ["customer_phone", "customer_id_type", "customer_id_number"];
  const fields = names.map(function (name) { return form.elements[name]; }).filter(Boolean);
  // Beside the numbers being typed, not below the whole form.
  const typedIn = fields.length ? fields[0].closest("fieldset") : null;
  if (typedIn) {
    typedIn.after(box);
  }
  let timer = null;
  let asked = "";

  function refresh() {
    const data = new FormData();
    fields.forEach(function (field) { data.append(field.name, field.value.trim()); });
    const key = fields.map(function (field) { return field.value.trim(); }).join("\u0000");
    if (key === asked) {
      return;
    }
    asked = key;
    data.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    fetch(box.dataset.url, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response); })
      .then(function (html) {
        if (key === asked) {  // an older answer arriving late is dropped
          body.innerHTML = html;
        }
      })
      .catch(function () { asked = ""; });
  }

  fields.forEach(function (field) {
    ["input", "change"].forEach(function (kind) {
      field.addEventListener(kind, function () {
        clearTimeout(timer);
        timer = setTimeout(refresh, 400);
      });
    });
  });
})();
