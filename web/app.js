// Mounts the rasa-webchat widget with the socket URL from /config.json.
"use strict";

(function () {
  var status = document.getElementById("chat-status");
  var SAFE_LINK = /^(https?:|mailto:)/i;

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

  function mount(config) {
    new MutationObserver(function () { stripUnsafeLinks(document.body); })
      .observe(document.body, { childList: true, subtree: true, attributes: true,
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
