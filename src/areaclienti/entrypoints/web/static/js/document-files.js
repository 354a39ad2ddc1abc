/*
 * The document upload (R-ID-3): «fronte e retro» or «un unico file», a preview of what was chosen (the image
 * itself, or name and size of a PDF), and one «conferma invio» only. The server checks everything again:
 * this only spares the customer a round trip. Texts come from the page (data-msg elements).
 */
(function () {
  "use strict";

  var form = document.getElementById("files-form");
  if (!form) {
    return;
  }
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
  var back = document.getElementById("back");
  var message = document.getElementById("files-message");
  var submit = document.getElementById("confirm-send");
  var ACCEPTED = ["image/jpeg", "image/png", "application/pdf"];
  var urls = {};

  function text(key) {
    var element = form.querySelector('[data-msg="' + key + '"]');
    return element ? element.textContent.trim() : "";
  }

  function single() {
    var chosen = form.querySelector('input[name="mode"]:checked');
    return !!chosen && chosen.value === "single";
  }

  function applyMode() {
    var one = single();
    form.setAttribute("data-mode", one ? "single" : "both");
    Array.prototype.forEach.call(form.querySelectorAll(".only-both"), function (element) { element.hidden = one; });
    Array.prototype.forEach.call(form.querySelectorAll(".only-single"), function (element) { element.hidden = !one; });
    back.required = !one;
  }

  function size(bytes) {
    if (bytes < 1024 * 1024) {
      return Math.max(1, Math.round(bytes / 1024)) + " KB";
    }
    return (bytes / (1024 * 1024)).toFixed(1).replace(".", ",") + " MB";
  }

  function preview(input) {
    var box = document.getElementById(input.id + "-preview");
    if (!box) {
      return;
    }
    if (urls[input.id]) {
      URL.revokeObjectURL(urls[input.id]);
      delete urls[input.id];
    }
    box.textContent = "";
    box.removeAttribute("data-problem");
    var file = input.files && input.files[0];
    if (!file) {
      return;
    }
    var caption = document.createElement("p");
    caption.className = "file-name";
    caption.textContent = file.name + " · " + size(file.size);
    var problem = "";
    if (maxBytes > 0 && file.size > maxBytes) {
      problem = "too-large";
    } else if (file.type && ACCEPTED.indexOf(file.type) < 0) {
      problem = "wrong-type";
    }
    if (!problem && file.type.indexOf("image/") === 0) {
      var image = document.createElement("img");
      urls[input.id] = URL.createObjectURL(file);
      image.src = urls[input.id];
      image.alt = file.name;
      box.appendChild(image);
    }
    box.appendChild(caption);
    if (problem) {
      var warning = document.createElement("p");
      warning.className = "field-error";
      warning.textContent = text(problem);
      box.setAttribute("data-problem", problem);
      box.appendChild(warning);
    }
  }

  Array.prototype.forEach.call(form.querySelectorAll('input[name="mode"]'), function (radio) {
    radio.addEventListener("change", applyMode);
  });
  Array.prototype.forEach.call(form.querySelectorAll('input[type="file"]'), function (input) {
    input.addEventListener("change", function () { preview(input); });
    preview(input);
  });
  form.addEventListener("submit", function (event) {
    if (form.getAttribute("data-sending") === "true") {
      event.preventDefault(); // «conferma invio» once: a second click would only be refused
      return;
    }
    form.setAttribute("data-sending", "true");
    message.textContent = text("sending");
    window.setTimeout(function () { submit.disabled = true; }, 0);
  });
  window.addEventListener("pageshow", function () {
    form.removeAttribute("data-sending");
    submit.disabled = false;
  });
  applyMode();
}());
