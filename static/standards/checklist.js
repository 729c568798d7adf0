// The checklist page on the banking floor (issue 16). Each answer is saved as it is given.
// Until the server has it, it waits in localStorage, one entry per item with the checklist
// revision it was given against, and is sent when the network or the session is back, after
// signing in again too. The form is submitted only once every waiting answer is on the server.
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
  refresh();
  // Someone who may only read the checklist: nothing to save.
  if (form.dataset.answerUrl === undefined) return;

  const text = JSON.parse(document.getElementById("checklist-text").textContent);
  const stateLabel = document.getElementById("save-state");
  const warning = document.getElementById("session-warning");
  const revisionInput = form.querySelector("input[name=revision]");
  const cardById = new Map(cards.map((card) => [card.dataset.item, card]));
  const queueKey = "branchservice.checklist." + form.dataset.checklist;
  const RETRY_MS = 15000;
  let revision = Number(revisionInput.value);
  let sending = null; // the running send(), so that two never run at once
  let stopped = false; // signed out or refused: nothing more is sent from this page
  let timer = null;

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
      if (!response.ok) {
        // Saved elsewhere, already submitted, or an answer the server cannot take: the
        // answers stay on this device and the server's message says why.
        stopped = true;
        return setState("refused", data.message);
      }
      saved(itemId, entry, data.revision);
      savedAt = data.saved_at;
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
    const link = document.createElement("a");
    link.className = "btn btn-primary btn-sm ms-2";
    link.href = form.dataset.loginUrl;
    link.textContent = text.sign_in_again;
    warning.replaceChildren(text.signed_out, link);
    warning.hidden = false;
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

  // The form goes only once every waiting answer is on the server, carrying the revision they
  // brought it to; otherwise the server would refuse it as stale.
  let submitting = false;
  form.addEventListener("submit", async (event) => {
    if (submitting) return;
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
    // Answers wait on the device; only a chosen photo is sent with the form alone.
    const photo = Array.from(form.querySelectorAll("input[type=file]")).some((i) => i.files.length);
    if (photo && !submitting) event.preventDefault();
  });

  // --- on loading: answers given on this device and not yet saved are shown and sent ---------
  for (const [itemId, entry] of sendable(loadQueue())) show(cardById.get(itemId), entry);
  refresh();
  flush();
})();
