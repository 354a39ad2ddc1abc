/*
 * The questionnaires (R-DISP-Q): a question shown only for some answers (data-shown-if: a list of
 * {field, values}, shown when any holds) is hidden while none holds. Questions are read in page order and a
 * hidden question counts as unanswered, as the server reads them (domain.questionnaires.is_shown). Without
 * this script every question is on the page, each saying when it applies; the server keeps only those.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-questionnaires]");
  if (!form) {
    return;
  }
  form.classList.add("js");
  var questions = Array.prototype.slice.call(form.querySelectorAll(".question"));

  function valueOf(name, hidden) {
    if (hidden[name]) {
      return "";
    }
    var fields = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.type === "radio") {
        if (field.checked) {
          return field.value;
        }
      } else {
        return field.value;
      }
    }
    return "";
  }

  function apply() {
    var hidden = {};
    questions.forEach(function (question) {
      var raw = question.getAttribute("data-shown-if");
      var field = question.querySelector("[name]");
      var name = field ? field.getAttribute("name") : "";
      if (!raw) {
        return;
      }
      var shown = JSON.parse(raw).some(function (condition) {
        return condition.values.indexOf(valueOf(condition.field, hidden)) !== -1;
      });
      question.hidden = !shown;
      if (!shown && name) {
        hidden[name] = true;
      }
    });
  }

  form.addEventListener("change", apply);
  apply();
})();
