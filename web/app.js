// Mounts the rasa-webchat widget with the socket URL from /config.json.
"use strict";

(function () {
  var status = document.getElementById("chat-status");
  var SAFE_LINK = /^(https?:|mailto:)/i;
  // What rasa-webchat 1.0.1 keeps in the browser: the conversation and its session id
  // ("chat_session", in localStorage with params.storage "local"), a message queued for
  // the next visit ("mrbot_next_message") and its page-visit history ("rasaWebchatPro").
  var WIDGET_STORAGE_KEYS = ["chat_session", "mrbot_next_message", "rasaWebchatPro"];
  var REOPEN_FLAG = "runner_reopen_chat";

  function setStatus(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
  }

  // Bot messages are markdown; the widget escapes HTML but keeps any link
  // scheme. Drop hrefs that are not http(s)/mailto (the CSP blocks them too).
  function stripUnsafeLinks(root) {
    root.querySelectorAll("a[href]").forEach(function (a) {
      if (!SAFE_LINK.test(a.getAttribute("href").trim())) a.removeAttribute("href");
    });
  }

  // "Start over": forget the stored conversation and session id, then reload, so the
  // widget opens a new session (the server keeps the old one until its retention ends).
  function startOver() {
    WIDGET_STORAGE_KEYS.forEach(function (key) {
      window.localStorage.removeItem(key);
      window.sessionStorage.removeItem(key);
    });
    window.sessionStorage.setItem(REOPEN_FLAG, "1");
    window.location.reload();
  }

  // The widget re-creates its header when it opens; add the button each time.
  function addStartOver(root) {
    var header = root.querySelector(".rw-conversation-container .rw-header");
    if (!header || header.querySelector(".runner-start-over")) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "runner-start-over";
    button.textContent = "Start over";
    button.title = "Clear this conversation from this browser and start a new one";
    button.addEventListener("click", startOver);
    header.appendChild(button);
  }

  function reopenAfterStartOver(root) {
    if (!window.sessionStorage.getItem(REOPEN_FLAG)) return;
    var launcher = root.querySelector("button.rw-launcher");
    if (!launcher) return;
    window.sessionStorage.removeItem(REOPEN_FLAG);
    if (!root.querySelector(".rw-conversation-container")) launcher.click();
  }

  function mount(config) {
    new MutationObserver(function () {
      stripUnsafeLinks(document.body);
      addStartOver(document.body);
      reopenAfterStartOver(document.body);
    }).observe(document.body, { childList: true, subtree: true, attributes: true,
      attributeFilter: ["href"] });
    window.WebChat.default({
      socketUrl: config.socketUrl,
      socketPath: config.socketPath,
      initPayload: "/greet",
      customData: { language: "en" },
      params: { storage: "local" },
      title: "Runner Recovery",
      subtitle: "Massage tips for runners, not medical advice",
      inputTextFieldHint: "Describe what feels sore or tight…",
      mainColor: "#0f6e6e",
      userBackgroundColor: "#0f6e6e",
      userTextColor: "#ffffff",
      onSocketEvent: {
        connect: function () { setStatus("The assistant is online."); },
        disconnect: function () { setStatus("Reconnecting to the assistant…", true); },
        connect_error: function () { setStatus("The assistant is not reachable right now.", true); }
      }
    }, null);
  }

  fetch("/config.json", { cache: "no-store" })
    .then(function (reply) { return reply.json(); })
    .then(mount)
    .catch(function () { setStatus("Could not load the chat configuration.", true); });
})();
