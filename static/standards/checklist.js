// The checklist page on the banking floor (issue 16). Each answer is saved as it is given.
// Until the server has it, it waits in localStorage, one entry per item with the checklist
// revision it was given against, and is sent when the network or the session is back, after
// signing in again too. The form is submitted only once every waiting answer is on the server.
// Answers the server refuses (saved elsewhere since, already submitted) are listed, never
// dropped unasked. Also: the session's end is warned, "all pass" per section, and the page
// keeps its place after a save or goes to the first problem after a refused submit.
// Without this script the page is an ordinary form (save draft, submit): nothing depends on it.
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
    if (progress) progress.textContent = String(answered);
  }

  for (const card of cards) {
    const comment = card.querySelector("textarea");
    const hasError = card.classList.contains("border-danger");
    if ((comment && comment.value.trim()) || hasError) card.classList.add("has-details");
  }
  form.addEventListener("change", refresh);
  // A photo or audio note above its limit is said at once, not after minutes of uploading it
  // on the floor's network; the server checks again (and checks what the file is).
  form.addEventListener("change", (event) => {
    const input = event.target;
    if (input.type !== "file" || !input.dataset.maxBytes) return;
    const tooLarge = Array.from(input.files).some((f) => f.size > Number(input.dataset.maxBytes));
    let feedback = input.parentElement.querySelector(".size-feedback");
    if (tooLarge) {
      input.value = "";
      if (!feedback) {
        feedback = document.createElement("span");
        feedback.className = "invalid-feedback size-feedback";
        input.after(feedback);
      }
      feedback.textContent = input.dataset.tooLarge;
    }
    input.classList.toggle("is-invalid", tooLarge);
    if (feedback) feedback.hidden = !tooLarge;
  });
  refresh();
  // Someone who may only read the checklist: nothing to save.
  if (form.dataset.answerUrl === undefined) return;

  const text = JSON.parse(document.getElementById("checklist-text").textContent);
  const stateLabel = document.getElementById("save-state");
  const warning = document.getElementById("session-warning");
  const panel = document.getElementById("queue-panel");
  const revisionInput = form.querySelector("input[name=revision]");
  const cardById = new Map(cards.map((card) => [card.dataset.item, card]));
  const queueKey = "branchservice.checklist." + form.dataset.checklist;
  const RETRY_MS = 15000;
  let revision = Number(revisionInput.value);
  let sending = null; // the running send(), so that two never run at once
  let stopped = false; // signed out or refused: nothing is sent until the user acts
  let timer = null;
  let sessionEnd = Infinity; // Date.now() when the session ends if nothing more is sent

  // --- the queue ------------------------------------------------------------------------------
  // {item id: {result, score, comment, base}}. A page sends only the entries given against the
  // revision it has: an entry of an older revision (a stale tab) is never sent without asking.
  function loadQueue() {
    try {
      return JSON.parse(localStorage.getItem(queueKey)) || {};
    } catch (error) {
      return {};
    }
  }

  function saveQueue(queue) {
    if (Object.keys(queue).length) localStorage.setItem(queueKey, JSON.stringify(queue));
    else localStorage.removeItem(queueKey);
  }

  function sendable(queue) {
    return Object.entries(queue).filter(([id, entry]) => entry.base === revision && cardById.has(id));
  }

  function valueOf(card) {
    const picked = choice(card);
    const comment = card.querySelector("textarea");
    const isScore = card.dataset.kind === "score";
    return {
      result: isScore ? "" : picked || "",
      score: isScore && picked !== null ? Number(picked) : null,
      comment: comment ? comment.value : "",
    };
  }

  function show(card, entry) {
    const picked = String(card.dataset.kind === "score" ? entry.score : entry.result);
    for (const radio of card.querySelectorAll("input[type=radio]")) radio.checked = radio.value === picked;
    const comment = card.querySelector("textarea");
    if (comment) comment.value = entry.comment;
    if (entry.comment.trim()) card.classList.add("has-details");
  }

  function setState(kind, message) {
    stateLabel.dataset.state = kind;
    stateLabel.textContent = message;
  }

  function queueAnswer(card, delay) {
    const queue = loadQueue();
    queue[card.dataset.item] = { ...valueOf(card), base: revision };
    saveQueue(queue);
    if (stopped) return;
    setState("pending", text.pending.replace("%(count)s", sendable(queue).length));
    clearTimeout(timer);
    timer = setTimeout(flush, delay);
  }

  // --- sending --------------------------------------------------------------------------------
  function flush() {
    if (!sending && !stopped) sending = send().finally(() => (sending = null));
    return sending || Promise.resolve();
  }

  function post(itemId, entry) {
    const data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    data.append("item", itemId);
    data.append("revision", String(revision));
    data.append("result", entry.result);
    if (entry.score !== null) data.append("score", String(entry.score));
    data.append("comment", entry.comment);
    // Signed out, the login redirect comes back as it is instead of being followed.
    return fetch(form.dataset.answerUrl, { method: "POST", body: data, redirect: "manual" });
  }

  async function send() {
    let savedAt = null;
    for (;;) {
      const [itemId, entry] = sendable(loadQueue())[0] || [];
      if (itemId === undefined) break;
      setState("saving", text.saving);
      let response;
      try {
        response = await post(itemId, entry);
      } catch (error) {
        return retryLater("offline", text.offline);
      }
      if (response.type === "opaqueredirect" || response.status === 403) return signedOut();
      const data = await response.json().catch(() => ({}));
      if (!response.ok && !data.code) return retryLater("error", text.error);
      if (!response.ok) return refused(data, data.code === "invalid" ? [[itemId, entry]] : sendable(loadQueue()));
      saved(itemId, entry, data.revision);
      savedAt = data.saved_at;
      sessionEndsIn(data.session_seconds);
    }
    if (savedAt) setState("saved", text.saved.replace("%(time)s", savedAt));
  }

  function saved(itemId, sent, newRevision) {
    const queue = loadQueue();
    const now = queue[itemId];
    // Answered again while on its way: the newer answer is still to send.
    if (now && now.result === sent.result && now.score === sent.score && now.comment === sent.comment) {
      delete queue[itemId];
    }
    for (const [, entry] of sendable(queue)) entry.base = newRevision;
    saveQueue(queue);
    revision = newRevision;
    revisionInput.value = String(newRevision);
  }

  function retryLater(kind, message) {
    setState(kind, message);
    clearTimeout(timer);
    timer = setTimeout(flush, RETRY_MS);
  }

  function signedOut() {
    stopped = true;
    setState("signed-out", text.kept_on_device);
    sessionEndsIn(0);
  }

  // --- answers the server refused: listed with what the user can do ------------------------
  function button(label, className, onClick) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = "btn btn-sm " + className;
    element.textContent = label;
    element.addEventListener("click", onClick);
    return element;
  }

  function refused(data, entries) {
    stopped = true;
    setState("refused", text.not_saved);
    const actions =
      data.code === "stale"
        ? // Saved in another tab or on another device since: keep mine on purpose, or drop them.
          [
            button(text.overwrite, "btn-danger", () => overwrite(data.revision, entries)),
            button(text.discard, "btn-outline-secondary", () => {
              forget(entries);
              window.location.reload();
            }),
          ]
        : // Already submitted, or an item of another version: these can never be saved.
          [button(text.dismiss, "btn-outline-secondary", () => dismiss(data.code, entries))];
    showPanel(data.message, entries, actions);
  }

  function describe([itemId, entry]) {
    const card = cardById.get(itemId);
    const picked = String(entry.score !== null ? entry.score : entry.result);
    const radio = Array.from(card.querySelectorAll("input[type=radio]")).find((r) => r.value === picked);
    const item = document.createElement("li");
    item.textContent = [
      card.querySelector(".item-text").firstChild.textContent.trim(),
      radio ? form.querySelector(`label[for="${radio.id}"]`).textContent : text.unanswered,
      entry.comment,
    ]
      .filter(Boolean)
      .join(" · ");
    return item;
  }

  function showPanel(message, entries, actions) {
    const intro = document.createElement("p");
    intro.className = "mb-2";
    intro.textContent = message;
    const list = document.createElement("ul");
    list.className = "mb-2 queued-answers";
    list.append(...entries.map(describe));
    const bar = document.createElement("div");
    bar.className = "d-flex flex-wrap gap-2";
    bar.append(...actions);
    panel.replaceChildren(intro, list, bar);
    panel.hidden = false;
    panel.scrollIntoView({ block: "center" });
  }

  function overwrite(serverRevision, entries) {
    // The user saw that the checklist was saved elsewhere and keeps these answers on purpose.
    const queue = loadQueue();
    for (const [id, entry] of [...entries, ...sendable(queue)]) queue[id] = { ...entry, base: serverRevision };
    saveQueue(queue);
    revision = serverRevision;
    revisionInput.value = String(revision);
    stopped = false;
    panel.hidden = true;
    // Then the page is loaded again, to show the others' answers too: a later submit from a
    // stale page would undo them.
    flush().then(() => sendable(loadQueue()).length || window.location.reload());
  }

  function forget(entries) {
    const queue = loadQueue();
    for (const [id] of entries) delete queue[id];
    saveQueue(queue);
  }

  function dismiss(code, entries) {
    forget(entries);
    panel.hidden = true;
    // After an item of another version the others can still be saved; after submit, none.
    stopped = code === "locked";
    flush();
  }

  // --- the session's end: warned two minutes ahead -----------------------------------------
  function sessionEndsIn(seconds) {
    if (Number.isFinite(seconds)) sessionEnd = Date.now() + seconds * 1000;
    watchSession();
  }

  function watchSession() {
    const left = Math.round((sessionEnd - Date.now()) / 1000);
    const phase = left > 120 ? "" : left > 0 ? "ending" : "ended";
    warning.hidden = !phase;
    if (phase !== warning.dataset.phase && phase === "ending") {
      const stay = button(text.stay_signed_in, "btn-warning ms-2", staySignedIn);
      warning.replaceChildren(document.createElement("span"), stay);
    } else if (phase !== warning.dataset.phase && phase === "ended") {
      // Sending is not stopped: if the server disagrees, the next save says so.
      const link = document.createElement("a");
      link.className = "btn btn-primary btn-sm ms-2";
      link.href = form.dataset.loginUrl;
      link.textContent = text.sign_in_again;
      warning.replaceChildren(text.signed_out, link);
    }
    if (phase === "ending") {
      const clock = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      warning.firstChild.textContent = text.session_ending.replace("%(time)s", clock);
    }
    warning.dataset.phase = phase;
  }

  async function staySignedIn() {
    const data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    const response = await fetch(form.dataset.staySignedInUrl, { method: "POST", body: data, redirect: "manual" }).catch(() => null);
    if (response === null) return setState("offline", text.offline);
    if (!response.ok) return signedOut();
    sessionEndsIn((await response.json()).session_seconds);
  }

  // --- the closing checks: opened when the outlet closes ---------------------------------------
  // Before closing the page shows them greyed out and offers no submit; a page opened then and
  // left on the tablet opens them by itself at closing time (the server refuses them before).
  if (form.dataset.closingIn !== undefined) {
    const opensAt = Date.now() + Number(form.dataset.closingIn) * 1000;
    const openClosingChecks = () => {
      if (Date.now() < opensAt) return;
      clearInterval(closingTimer);
      for (const fieldset of form.querySelectorAll("fieldset.part-locked-items")) {
        fieldset.disabled = false;
        fieldset.classList.remove("part-locked-items");
      }
      for (const note of form.querySelectorAll(".part-locked")) note.hidden = true;
      const submit = form.querySelector("button[value=submit]");
      submit.disabled = false;
      submit.textContent = text.submit;
    };
    // Checked every second rather than one timer: a tablet asleep at closing time opens them
    // as soon as it wakes.
    const closingTimer = setInterval(openClosingChecks, 1000);
    openClosingChecks();
  }

  // --- events ---------------------------------------------------------------------------------
  form.addEventListener("change", (event) => {
    const card = event.target.closest(".item-card");
    if (card && event.target.type === "radio") queueAnswer(card, 300);
  });
  form.addEventListener("input", (event) => {
    const card = event.target.closest(".item-card");
    if (card && event.target.tagName === "TEXTAREA") queueAnswer(card, 1000);
  });
  window.addEventListener("online", flush);
  setInterval(watchSession, 1000);

  // --- "all pass" per section: one tap, then the exceptions ---------------------------------
  for (const section of form.querySelectorAll("section[data-section]")) {
    // Closing checks before the outlet closes cannot be answered yet.
    if (section.querySelector("fieldset:disabled")) continue;
    const open = () => Array.from(section.querySelectorAll(".item-card[data-kind=pass_fail]")).filter((card) => choice(card) === null);
    if (!open().length) continue;
    const allPass = button(text.all_pass, "btn-outline-success all-pass ms-2", () => {
      // Only items not answered yet: an exception marked before stays as it is.
      for (const card of open()) {
        card.querySelector("input[value=pass]").checked = true;
        queueAnswer(card, 300);
      }
      refresh();
    });
    allPass.title = text.all_pass_help;
    section.querySelector(".section-title").append(allPass);
  }

  // The form goes only once every waiting answer is on the server, carrying the revision they
  // brought it to; otherwise the server would refuse it as stale.
  let submitting = false;
  form.addEventListener("submit", async (event) => {
    sessionStorage.setItem(queueKey + ".scroll", String(window.scrollY));
    // Nothing waiting: the form goes as it is. (It must: a form cannot be sent again from
    // within its own submit event, which a promise resolved at once would still be in.)
    if (submitting || (!sending && !sendable(loadQueue()).length)) {
      submitting = true;
      return;
    }
    event.preventDefault();
    clearTimeout(timer);
    await flush();
    const left = sendable(loadQueue()).length;
    if (left) {
      setState(stateLabel.dataset.state, text.wait_before_submit.replace("%(count)s", left));
      return;
    }
    submitting = true;
    form.requestSubmit(event.submitter);
  });
  window.addEventListener("beforeunload", (event) => {
    // Answers wait on the device; only a chosen photo or audio note is sent with the form alone.
    const file = Array.from(form.querySelectorAll("input[type=file]")).some((i) => i.files.length);
    if (file && !submitting) event.preventDefault();
  });

  // --- on loading ---------------------------------------------------------------------------
  // Back where the user was after a save; after a refused submit, at the first item to fix.
  const problem = form.querySelector(".item-card.border-danger");
  const scroll = sessionStorage.getItem(queueKey + ".scroll");
  sessionStorage.removeItem(queueKey + ".scroll");
  history.scrollRestoration = "manual"; // the browser's own would undo this on a reload
  if (problem) problem.scrollIntoView({ block: "center" });
  else if (scroll !== null) window.scrollTo(0, Number(scroll));

  // Answers given on this device and not saved yet are shown and sent; those given against an
  // older revision (the checklist was saved elsewhere since) are listed first.
  const queue = loadQueue();
  for (const [itemId, entry] of sendable(queue)) show(cardById.get(itemId), entry);
  refresh();
  sessionEndsIn(Number(form.dataset.sessionSeconds));
  const older = Object.entries(queue).filter(([id, entry]) => entry.base !== revision && cardById.has(id));
  if (older.length) refused({ code: "stale", message: text.conflict_on_load, revision }, older);
  else flush();
})();
