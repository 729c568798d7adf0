// The checklist page on the banking floor (issue 16): every answer is saved as it is given,
// queued on this device while the network or the session is gone and sent when they are back
// (after signing in again too); a stale tab's answers are shown, never dropped; the session's
// end is warned; "all pass" per section; the scroll position survives a save.
// Without this script the page is an ordinary form (save draft, submit): nothing depends on it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  const form = document.getElementById("checklist-form");
  if (!form) return;
  const text = JSON.parse(document.getElementById("checklist-text").textContent);
  const progress = document.getElementById("answered-count");
  const stateLabel = document.getElementById("save-state");
  const panel = document.getElementById("queue-panel");
  const revisionInput = form.querySelector("input[name=revision]");
  const cards = Array.from(form.querySelectorAll(".item-card"));
  const cardById = new Map(cards.map((card) => [card.dataset.item, card]));
  const mayFill = form.dataset.answerUrl !== undefined;

  // --- the queue: localStorage, one entry per item not yet on the server -------------------
  // An entry is {result, score, comment, base, tab}: `base` is the revision of the checklist
  // the answer was given against, `tab` the page (kept over reloads and signing in again in
  // the same tab) that sends it. A page sends its own entries only; on loading, entries given
  // against the revision the server has now are taken over, others are a conflict to show.
  const queueKey = "branchservice.checklist." + form.dataset.checklist;
  const tab = (function () {
    let id = sessionStorage.getItem("branchservice.tab");
    if (!id) {
      id = Date.now().toString(36) + Math.random().toString(36).slice(2);
      sessionStorage.setItem("branchservice.tab", id);
    }
    return id;
  })();
  const state = {
    revision: Number(revisionInput.value),
    serverRevision: null, // the revision a refusal reported, for "overwrite with mine"
    sending: false,
    blocked: null, // "stale", "locked", "signed-out": sending waits for the user
    timer: null,
    retry: null,
  };

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

  function ownEntries(queue) {
    return Object.entries(queue).filter(([, entry]) => entry.tab === tab);
  }

  function sameValue(a, b) {
    return a.result === b.result && a.score === b.score && a.comment === b.comment;
  }

  // --- reading and setting a card ------------------------------------------------------------
  function choice(card) {
    const checked = card.querySelector("input[type=radio]:checked");
    return checked ? checked.value : null;
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
    const picked = card.dataset.kind === "score" ? entry.score : entry.result;
    for (const radio of card.querySelectorAll("input[type=radio]")) {
      radio.checked = picked !== null && picked !== "" && radio.value === String(picked);
    }
    const comment = card.querySelector("textarea");
    if (comment) comment.value = entry.comment;
    if (entry.comment.trim()) card.classList.add("has-details");
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

  function describe(itemId, entry) {
    const card = cardById.get(itemId);
    const label = card ? card.querySelector(".item-text").firstChild.textContent.trim() : itemId;
    let value = text.unanswered;
    if (entry.score !== null) value = text.score.replace("%(score)s", entry.score);
    else if (entry.result) value = text.results[entry.result] || entry.result;
    return { label, value, comment: entry.comment };
  }

  // --- the state shown beside the buttons ----------------------------------------------------
  function setState(kind, message) {
    if (!stateLabel) return;
    stateLabel.dataset.state = kind;
    stateLabel.textContent = message;
  }

  function showPending() {
    const count = ownEntries(loadQueue()).length;
    if (count) setState("pending", text.pending.replace("%(count)s", count));
  }

  // --- sending -------------------------------------------------------------------------------
  function schedule(delay) {
    clearTimeout(state.timer);
    state.timer = setTimeout(flush, delay);
  }

  function queueAnswer(card, delay) {
    const queue = loadQueue();
    queue[card.dataset.item] = { ...valueOf(card), base: state.revision, tab };
    saveQueue(queue);
    showPending();
    schedule(delay);
  }

  function body(itemId, entry, revision) {
    const data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    data.append("item", itemId);
    data.append("revision", String(revision));
    data.append("result", entry.result);
    if (entry.score !== null) data.append("score", String(entry.score));
    data.append("comment", entry.comment);
    return data;
  }

  async function flush() {
    if (state.sending || state.blocked || !mayFill) return;
    state.sending = true;
    try {
      for (;;) {
        const [itemId, entry] = ownEntries(loadQueue())[0] || [];
        if (itemId === undefined) break;
        setState("saving", text.saving);
        let response;
        try {
          response = await fetch(form.dataset.answerUrl, {
            method: "POST",
            body: body(itemId, entry, state.revision),
            credentials: "same-origin",
            // Signed out, the login redirect comes back as it is, not as a login page.
            redirect: "manual",
          });
        } catch (error) {
          setState("offline", text.offline);
          state.retry = setTimeout(flush, 15000);
          break;
        }
        if (response.type === "opaqueredirect" || response.status === 403) {
          signedOut();
          break;
        }
        let data = {};
        try {
          data = await response.json();
        } catch (error) {
          // A server error page: try again later, the answer stays queued.
        }
        if (response.ok) {
          saved(itemId, entry, data);
        } else if (data.code === "stale") {
          state.serverRevision = data.revision;
          blocked("stale", data.message);
          break;
        } else if (data.code === "locked") {
          blocked("locked", data.message);
          break;
        } else if (data.code === "invalid") {
          refusedItem(itemId, data.message);
        } else {
          setState("error", text.error);
          state.retry = setTimeout(flush, 15000);
          break;
        }
      }
    } finally {
      state.sending = false;
    }
  }

  function saved(itemId, sent, data) {
    state.revision = data.revision;
    revisionInput.value = String(data.revision);
    const queue = loadQueue();
    // Answered again while it was on its way: the newer value is still to send.
    if (queue[itemId] && sameValue(queue[itemId], sent)) delete queue[itemId];
    for (const [, entry] of ownEntries(queue)) entry.base = data.revision;
    saveQueue(queue);
    setState("saved", text.saved.replace("%(time)s", data.saved_at));
    sessionEndsIn(data.session_seconds);
  }

  function refusedItem(itemId, message) {
    // It can never be saved (an item of another version): said on the page, not retried.
    const queue = loadQueue();
    const entry = queue[itemId];
    delete queue[itemId];
    saveQueue(queue);
    showPanel("invalid", message, [[itemId, entry]]);
  }

  function signedOut() {
    state.blocked = "signed-out";
    setState("signed-out", text.kept_on_device);
    sessionEndsIn(0);
  }

  function blocked(kind, message) {
    state.blocked = kind;
    setState(kind, text.not_saved);
    showPanel(kind, message, ownEntries(loadQueue()));
  }

  // --- the panel of answers that could not be saved ------------------------------------------
  function button(label, className, onClick) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = "btn " + className;
    element.textContent = label;
    element.addEventListener("click", onClick);
    return element;
  }

  function showPanel(kind, message, entries) {
    panel.replaceChildren();
    panel.dataset.kind = kind;
    const intro = document.createElement("p");
    intro.className = "mb-2";
    intro.textContent = message;
    const list = document.createElement("ul");
    list.className = "mb-2 queued-answers";
    for (const [itemId, entry] of entries) {
      const row = describe(itemId, entry);
      const item = document.createElement("li");
      item.textContent = row.label + " · " + row.value + (row.comment ? " · " + row.comment : "");
      list.append(item);
    }
    const actions = document.createElement("div");
    actions.className = "d-flex flex-wrap gap-2";
    if (kind === "stale") {
      actions.append(
        button(text.overwrite, "btn-danger", overwrite),
        button(text.discard, "btn-outline-secondary", discard),
      );
    } else {
      actions.append(button(text.dismiss, "btn-outline-secondary", dismiss));
    }
    panel.append(intro, list, actions);
    panel.hidden = false;
    panel.scrollIntoView({ block: "center" });
  }

  function overwrite() {
    // The user saw the other answers were newer and keeps theirs on purpose.
    if (state.serverRevision !== null) state.revision = state.serverRevision;
    revisionInput.value = String(state.revision);
    const queue = loadQueue();
    for (const [itemId, entry] of ownEntries(queue)) {
      entry.base = state.revision;
      if (cardById.has(itemId)) show(cardById.get(itemId), entry);
    }
    saveQueue(queue);
    refresh();
    state.blocked = null;
    panel.hidden = true;
    flush();
  }

  function discard() {
    const queue = loadQueue();
    for (const [itemId] of ownEntries(queue)) delete queue[itemId];
    saveQueue(queue);
    window.location.reload();
  }

  function dismiss() {
    if (panel.dataset.kind === "locked") {
      const queue = loadQueue();
      for (const [itemId] of ownEntries(queue)) delete queue[itemId];
      saveQueue(queue);
    }
    panel.hidden = true;
  }

  // --- the session's end ---------------------------------------------------------------------
  const warning = document.getElementById("session-warning");
  let sessionEnd = null;
  let sessionTick = null;

  function sessionEndsIn(seconds) {
    if (seconds === undefined || seconds === null) return;
    sessionEnd = Date.now() + seconds * 1000;
    clearInterval(sessionTick);
    sessionTick = setInterval(watchSession, 1000);
    watchSession();
  }

  function watchSession() {
    const left = Math.round((sessionEnd - Date.now()) / 1000);
    if (left > 120) {
      warning.hidden = true;
      return;
    }
    warning.replaceChildren();
    const message = document.createElement("span");
    if (left > 0) {
      const clock = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      message.textContent = text.session_ending.replace("%(time)s", clock);
      warning.append(message, button(text.stay_signed_in, "btn-warning btn-sm", staySignedIn));
    } else {
      clearInterval(sessionTick);
      state.blocked = state.blocked || "signed-out";
      message.textContent = text.signed_out;
      const link = document.createElement("a");
      link.className = "btn btn-primary btn-sm";
      link.href = form.dataset.loginUrl;
      link.textContent = text.sign_in_again;
      warning.append(message, link);
    }
    warning.hidden = false;
  }

  async function staySignedIn() {
    const data = new FormData();
    data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    try {
      const response = await fetch(form.dataset.staySignedInUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        redirect: "manual",
      });
      if (response.ok) sessionEndsIn((await response.json()).session_seconds);
      else sessionEndsIn(0);
    } catch (error) {
      setState("offline", text.offline);
    }
  }

  // --- "all pass" per section ----------------------------------------------------------------
  for (const section of form.querySelectorAll("section[data-section]")) {
    const sectionCards = Array.from(section.querySelectorAll(".item-card[data-kind=pass_fail]"));
    if (!sectionCards.length || !mayFill) continue;
    const allPass = button(text.all_pass, "btn-outline-success btn-sm all-pass", () => {
      // Only the items not answered yet: exceptions marked before stay as they are.
      for (const card of sectionCards) {
        if (choice(card) !== null) continue;
        card.querySelector("input[type=radio][value=pass]").checked = true;
        queueAnswer(card, 300);
      }
      refresh();
    });
    allPass.title = text.all_pass_help;
    section.querySelector(".section-title").append(allPass);
  }

  // --- events --------------------------------------------------------------------------------
  for (const card of cards) {
    const comment = card.querySelector("textarea");
    const hasError = card.classList.contains("border-danger");
    if ((comment && comment.value.trim()) || hasError) card.classList.add("has-details");
  }
  if (mayFill) {
    form.addEventListener("change", (event) => {
      const card = event.target.closest(".item-card");
      refresh();
      if (card && event.target.type === "radio") queueAnswer(card, 300);
    });
    form.addEventListener("input", (event) => {
      const card = event.target.closest(".item-card");
      if (card && event.target.tagName === "TEXTAREA") queueAnswer(card, 1000);
    });
    window.addEventListener("online", () => {
      if (state.blocked !== "signed-out") flush();
    });
  }

  // The form itself is sent only once every queued answer is on the server, with the revision
  // they brought it to: a refused submit or a save then loses nothing.
  let sendingForm = false;
  form.addEventListener("submit", async (event) => {
    if (sendingForm) return;
    const submitter = event.submitter;
    sessionStorage.setItem(queueKey + ".scroll", String(window.scrollY));
    if (!ownEntries(loadQueue()).length && !state.sending) {
      sendingForm = true;
      return;
    }
    event.preventDefault();
    clearTimeout(state.timer);
    while (state.sending) await new Promise((resolve) => setTimeout(resolve, 100));
    await flush();
    const left = ownEntries(loadQueue()).length;
    if (left) {
      setState("pending", text.wait_before_submit.replace("%(count)s", left));
      return;
    }
    sendingForm = true;
    form.requestSubmit(submitter);
  });
  window.addEventListener("beforeunload", (event) => {
    // Answers are queued on the device; only a photo chosen and not sent would be lost.
    const photo = Array.from(form.querySelectorAll("input[type=file]")).some((i) => i.files.length);
    if (photo && !sendingForm) event.preventDefault();
  });

  // --- on loading ----------------------------------------------------------------------------
  const firstProblem = form.querySelector(".item-card.border-danger");
  const scroll = sessionStorage.getItem(queueKey + ".scroll");
  sessionStorage.removeItem(queueKey + ".scroll");
  if (firstProblem) {
    // A refused submit: straight to the first item that needs attention.
    firstProblem.scrollIntoView({ block: "center" });
    const focus = firstProblem.querySelector("textarea, input");
    if (focus) focus.focus({ preventScroll: true });
  } else if (scroll !== null) {
    window.scrollTo(0, Number(scroll));
  }

  const queue = loadQueue();
  const conflicts = [];
  for (const [itemId, entry] of Object.entries(queue)) {
    const card = cardById.get(itemId);
    if (!card) continue;
    entry.tab = tab;
    if (entry.base === state.revision) show(card, entry);
    else conflicts.push([itemId, entry]);
  }
  saveQueue(queue);
  refresh();
  sessionEndsIn(Number(form.dataset.sessionSeconds));
  if (conflicts.length) {
    state.serverRevision = state.revision;
    state.blocked = "stale";
    setState("stale", text.not_saved);
    showPanel("stale", text.conflict_on_load, ownEntries(queue));
  } else {
    showPending();
    flush();
  }
})();
