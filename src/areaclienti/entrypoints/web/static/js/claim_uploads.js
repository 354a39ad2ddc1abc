/*
 * The files of a claim (R-DISP-CLAIM): each file picked is sent at once to the staging endpoint with
 * XMLHttpRequest, its <progress> showing the percentage while the bytes travel; once kept it shows its name and
 * «rimuovi» (a DELETE), and the checklist of the chosen kind ticks it off. The form then sends only the ids of
 * the staged files. Without this script the file input posts with the form and the server stages the files.
 * The server checks everything again; texts come from the page (data-msg elements).
 */
(function () {
  "use strict";

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  function setUp(box) {
    var form = box.closest("form");
    var input = box.querySelector('input[type="file"]');
    var documentSelect = box.querySelector('select[name="document"]');
    var list = box.querySelector(".staged-files");
    var problem = box.querySelector(".field-error");
    var stageUrl = box.getAttribute("data-stage-url");
    var csrf = box.getAttribute("data-csrf");
    var maxFiles = parseInt(box.getAttribute("data-max-files"), 10) || 0;
    var maxBytes = parseInt(box.getAttribute("data-max-bytes"), 10) || 0;
    var busy = 0;

    function text(key) {
      var element = box.querySelector('[data-msg="' + key + '"]');
      return element ? element.textContent.trim() : "";
    }

    function say(message) {
      problem.textContent = message || "";
      problem.hidden = !message;
    }

    function count() { return list.querySelectorAll("li").length; }

    function removeButton(li, url) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "linklike";
      button.setAttribute("data-remove-url", url);
      button.setAttribute("data-testid", "remove-file");
      button.textContent = text("remove");
      li.appendChild(button);
    }

    function upload(file, document_kind) {
      var li = document.createElement("li");
      li.className = "staged-file uploading";
      li.setAttribute("data-testid", "uploading-file");
      var name = document.createElement("span");
      name.className = "file-name";
      name.textContent = file.name;
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("data-testid", "upload-progress");
      bar.setAttribute("aria-label", file.name);
      var percent = document.createElement("span");
      percent.className = "percent";
      percent.setAttribute("data-testid", "upload-percent");
      percent.textContent = "0%";
      li.appendChild(name);
      li.appendChild(bar);
      li.appendChild(percent);
      list.appendChild(li);
      if (maxBytes && file.size > maxBytes) {
        fail(li, text("too-large"));
        return;
      }
      busy += 1;
      var data = new FormData();
      data.append("file", file, file.name);
      data.append("document", document_kind);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", stageUrl);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrf);
      xhr.upload.onprogress = function (event) {
        if (!event.lengthComputable) { return; }
        var value = Math.floor((event.loaded / event.total) * 100);
        bar.value = value;
        percent.textContent = value + "%";
        li.setAttribute("data-percent", String(value));
      };
      xhr.onload = function () {
        busy -= 1;
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (ignored) { body = null; }
        if (xhr.status === 201 && body && body.id) {
          staged(li, body);
        } else {
          fail(li, (body && body.message) || text("failed"));
        }
      };
      xhr.onerror = function () {
        busy -= 1;
        fail(li, text("failed"));
      };
      xhr.send(data);
    }

    function staged(li, body) {
      li.className = "staged-file";
      li.setAttribute("data-testid", "staged-file");
      li.setAttribute("data-attachment", body.id);
      li.setAttribute("data-document", body.document);
      each(li.querySelectorAll("progress, .percent"), function (element) { element.remove(); });
      var hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = "attachments";
      hidden.value = body.id;
      li.insertBefore(hidden, li.firstChild);
      var kind = document.createElement("span");
      kind.className = "hint";
      var option = documentSelect && documentSelect.querySelector('option[value="' + body.document + '"]');
      kind.textContent = option ? option.textContent : body.document;
      li.appendChild(kind);
      removeButton(li, body.remove_url);
      refresh();
    }

    function fail(li, message) {
      li.className = "staged-file refused";
      li.setAttribute("data-testid", "refused-file");
      each(li.querySelectorAll("progress, .percent"), function (element) { element.remove(); });
      var why = document.createElement("span");
      why.className = "field-error";
      why.textContent = message;
      li.appendChild(why);
      var dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.className = "linklike";
      dismiss.textContent = "×";
      dismiss.setAttribute("aria-label", text("remove"));
      dismiss.addEventListener("click", function () { li.remove(); });
      li.appendChild(dismiss);
    }

    function discard(button) {
      var li = button.closest("li");
      var xhr = new XMLHttpRequest();
      xhr.open("DELETE", button.getAttribute("data-remove-url"));
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrf);
      button.disabled = true;
      xhr.onload = function () {
        if (xhr.status === 204 || xhr.status === 404) {
          li.remove();
          refresh();
        } else {
          button.disabled = false;
          say(text("failed"));
        }
      };
      xhr.onerror = function () { button.disabled = false; say(text("failed")); };
      xhr.send();
    }

    input.addEventListener("change", function () {
      say("");
      var kind = documentSelect ? documentSelect.value : "other";
      each(input.files, function (file) {
        if (maxFiles && list.querySelectorAll("li.staged-file:not(.refused)").length >= maxFiles) {
          say(text("too-many"));
          return;
        }
        upload(file, kind);
      });
      input.value = "";  // sent already: the form must not post them again
    });

    list.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove-url]");
      if (!button) { return; }
      event.preventDefault();
      discard(button);
    });

    form.addEventListener("submit", function (event) {
      if (busy > 0) {
        event.preventDefault();
        say(text("busy"));
      }
    });

    return { count: count };
  }

  // The checklists of the claim form: only the chosen kind's, its CAI line only once the CAI is said signed,
  // each document ticked off when a staged file is of that kind.
  function refresh() {
    var form = document.querySelector("form[data-claim-form]");
    if (!form) { return; }
    var present = {};
    each(document.querySelectorAll(".staged-files li.staged-file[data-document]"), function (li) {
      if (!li.classList.contains("refused")) { present[li.getAttribute("data-document")] = true; }
    });
    var chosen = form.querySelector('input[name="kind"]:checked');
    var kind = chosen ? chosen.value : null;
    var cai = form.querySelector('input[name="cai_signed"]');
    var blocks = document.querySelectorAll("[data-checklist-kind]");
    each(blocks, function (block) {
      var mine = block.getAttribute("data-checklist-kind") === kind;
      block.hidden = blocks.length > 1 && !mine;
      var heading = block.querySelector("h3");
      if (heading) { heading.hidden = true; }
    });
    each(document.querySelectorAll(".claim-checklist li[data-document]"), function (li) {
      if (li.hasAttribute("data-only-cai")) {
        li.hidden = !(cai && cai.checked);
        each(li.querySelectorAll(".only-without-script"), function (element) { element.hidden = true; });
      }
      var has = !!present[li.getAttribute("data-document")];
      li.className = has ? "present" : "missing";
      var tick = li.querySelector(".tick");
      if (tick) { tick.textContent = has ? "✓" : "○"; }
      var state = li.querySelector(".state");
      if (state) { state.textContent = state.getAttribute(has ? "data-present" : "data-missing"); }
    });
    each(form.querySelectorAll("[data-only-kind]"), function (element) {
      element.hidden = kind !== element.getAttribute("data-only-kind");
    });
    var empty = document.querySelector("[data-checklists-empty]");
    if (empty) { empty.hidden = !!kind; }
  }

  each(document.querySelectorAll("[data-claim-uploads]"), setUp);
  each(document.querySelectorAll("form[data-claim-form]"), function (form) {
    form.addEventListener("change", function (event) {
      if (event.target.name === "kind" || event.target.name === "cai_signed") { refresh(); }
    });
  });
  refresh();
}());
