/*
 * The video selfie recorder (R-ID-2): live preview with the keyword over it, a countdown, a recording that
 * stops by itself at the maximum length, replay, «registra di nuovo» (a new keyword from the server) and
 * the upload. Browsers that cannot record get the page's plain form, which works without this script.
 *
 * The root element's data-state tells where the recorder stands:
 *   idle -> countdown -> recording -> recorded -> uploading -> done, and error (camera, upload).
 * data-camera: pending | ready | denied | missing | busy | unsupported | off; data-mode: recorder | form.
 * Every text comes from the page (data-msg elements), so it is translated there.
 */
(function () {
  "use strict";

  var root = document.getElementById("recorder");
  if (!root) {
    return;
  }

  function byId(id) {
    return document.getElementById(id);
  }

  var preview = byId("preview");
  var playback = byId("playback");
  var keyword = byId("keyword");
  var countdownEl = byId("countdown");
  var timer = byId("timer");
  var timerValue = byId("timer-value");
  var message = byId("recorder-message");
  var help = byId("camera-help");
  var helpText = byId("camera-help-text");
  var progress = byId("upload-progress");
  var fallback = byId("fallback-form");
  var startButton = byId("start-recording");
  var stopButton = byId("stop-recording");
  var retakeButton = byId("retake");
  var uploadButton = byId("upload-video");
  var retryButton = byId("retry-camera");

  var maxSeconds = parseInt(root.getAttribute("data-max-seconds"), 10) || 30;
  var countdownSeconds = parseInt(root.getAttribute("data-countdown"), 10) || 3;
  var maxBytes = parseInt(root.getAttribute("data-max-bytes"), 10) || 0;
  var csrfInput = fallback ? fallback.querySelector('input[name="csrf_token"]') : null;
  var csrfToken = csrfInput ? csrfInput.value : "";
  // The take of the keyword on screen: sent with the video, so that a video recorded before a «registra di
  // nuovo» made elsewhere (another tab) is refused rather than kept under a keyword it does not say.
  var takeInput = fallback ? fallback.querySelector('input[name="take"]') : null;
  var take = root.getAttribute("data-take") || "";

  // Preferred first: what Chromium and Firefox record; Safari records MP4.
  var CANDIDATE_TYPES = ["video/webm;codecs=vp8,opus", "video/webm;codecs=vp9,opus", "video/webm",
    "video/mp4;codecs=avc1,mp4a", "video/mp4"];
  var CAMERA_PROBLEMS = ["denied", "missing", "busy", "unsupported"];

  var stream = null;
  var recorder = null;
  var chunks = [];
  var blob = null;
  var blobUrl = null;
  var mimeType = "";
  var ticker = null;
  var countdownTimer = null;
  var startedAt = 0;
  var stoppedByTimer = false;
  var busy = false;
  var cameraRequest = 0; // bumped by stopCamera: a camera granted after that is stopped at once

  // --- texts and drawing ----------------------------------------------------------------------------
  function text(key) {
    var element = root.querySelector('[data-msg="' + key + '"]');
    return element ? element.textContent.trim() : "";
  }

  function say(words, isError) {
    message.textContent = words || "";
    message.classList.toggle("error", !!isError);
    message.setAttribute("role", isError ? "alert" : "status");
  }

  function sayKey(key, isError) {
    say(key ? text(key) : "", isError);
  }

  function show(element, visible) {
    if (element) {
      element.hidden = !visible;
    }
  }

  function state() {
    return root.getAttribute("data-state");
  }

  function setState(next) {
    root.setAttribute("data-state", next);
    render();
  }

  function setCamera(next) {
    root.setAttribute("data-camera", next);
  }

  function render() {
    var s = state();
    var camera = root.getAttribute("data-camera");
    var live = root.getAttribute("data-mode") === "recorder";
    var withVideo = !!blob && (s === "recorded" || s === "uploading" || s === "error" || s === "done");
    var tooLarge = !!blob && maxBytes > 0 && blob.size > maxBytes;
    var cameraProblem = CAMERA_PROBLEMS.indexOf(camera) >= 0;

    show(preview, live && camera === "ready" && !withVideo);
    show(playback, withVideo);
    show(startButton, live && s === "idle" && !cameraProblem);
    startButton.disabled = camera !== "ready";
    show(stopButton, s === "recording");
    show(retakeButton, live && !!blob && (s === "recorded" || s === "error"));
    show(uploadButton, !!blob && !tooLarge && (s === "recorded" || s === "error"));
    retakeButton.disabled = busy;
    uploadButton.disabled = busy;
    show(countdownEl, s === "countdown");
    show(timer, s === "recording");
    show(progress, s === "uploading");
    show(help, cameraProblem);
    show(fallback, root.getAttribute("data-mode") === "form" || cameraProblem);
  }

  function clock(seconds) {
    var whole = Math.floor(seconds);
    var rest = whole % 60;
    return Math.floor(whole / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  }

  // --- the camera -----------------------------------------------------------------------------------
  function problemOf(error) {
    var name = error && error.name;
    if (name === "NotFoundError" || name === "DevicesNotFoundError" || name === "OverconstrainedError") {
      return "missing";
    }
    if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") {
      return "busy";
    }
    return "denied"; // NotAllowedError, SecurityError and anything unknown: the user can act on it
  }

  function stopTracks(mediaStream) {
    mediaStream.getTracks().forEach(function (track) { track.stop(); });
  }

  function openCamera() {
    stopCamera();
    var request = cameraRequest;
    setCamera("pending");
    helpText.textContent = "";
    sayKey("camera-pending");
    setState("idle");
    navigator.mediaDevices.getUserMedia({
      video: {facingMode: "user", width: {ideal: 640}, height: {ideal: 480}},
      audio: true
    }).then(function (mediaStream) {
      if (request !== cameraRequest) { // the page was left, or the camera asked again, meanwhile
        stopTracks(mediaStream);
        return;
      }
      stream = mediaStream;
      preview.srcObject = mediaStream;
      var playing = preview.play();
      if (playing && typeof playing.catch === "function") {
        playing.catch(function () { /* muted autoplay; nothing to do if the browser waits */ });
      }
      setCamera("ready");
      sayKey(blob ? "recorded" : "camera-ready");
      setState(blob ? "recorded" : "idle");
    }).catch(function (error) {
      if (request !== cameraRequest) {
        return;
      }
      var problem = problemOf(error);
      setCamera(problem);
      helpText.textContent = text(problem);
      say("");
      setState("error");
    });
  }

  function stopCamera() {
    cameraRequest += 1;
    if (countdownTimer) {
      window.clearInterval(countdownTimer);
      countdownTimer = null;
    }
    if (stream) {
      stopTracks(stream);
      stream = null;
    }
    if (preview) {
      preview.srcObject = null;
    }
  }

  // --- recording ------------------------------------------------------------------------------------
  function pickType() {
    if (typeof MediaRecorder.isTypeSupported !== "function") {
      return "";
    }
    for (var i = 0; i < CANDIDATE_TYPES.length; i += 1) {
      if (MediaRecorder.isTypeSupported(CANDIDATE_TYPES[i])) {
        return CANDIDATE_TYPES[i];
      }
    }
    return "";
  }

  function discard() {
    if (blobUrl) {
      URL.revokeObjectURL(blobUrl);
    }
    blobUrl = null;
    blob = null;
    playback.removeAttribute("src");
    playback.load();
  }

  function startCountdown() {
    if (root.getAttribute("data-camera") !== "ready" || state() !== "idle") {
      return;
    }
    discard();
    var left = countdownSeconds;
    countdownEl.textContent = String(left);
    sayKey("countdown");
    setState("countdown");
    countdownTimer = window.setInterval(function () {
      left -= 1;
      if (left > 0) {
        countdownEl.textContent = String(left);
        return;
      }
      window.clearInterval(countdownTimer);
      countdownTimer = null;
      startRecording();
    }, 1000);
  }

  function startRecording() {
    var options = {videoBitsPerSecond: 1000000, audioBitsPerSecond: 64000};
    if (mimeType) {
      options.mimeType = mimeType;
    }
    chunks = [];
    try {
      recorder = new MediaRecorder(stream, options);
    } catch (first) {
      try {
        recorder = new MediaRecorder(stream);
      } catch (second) {
        stopCamera(); // the plain form needs no camera: leave it on and its light stays on
        setCamera("off");
        root.setAttribute("data-mode", "form");
        sayKey("no-recorder", true);
        setState("error");
        return;
      }
    }
    recorder.ondataavailable = function (event) {
      if (event.data && event.data.size) {
        chunks.push(event.data);
      }
    };
    recorder.onstop = finishRecording;
    stoppedByTimer = false;
    recorder.start(1000); // a chunk a second: nothing is lost if the tab is closed mid-way
    startedAt = Date.now();
    timerValue.textContent = clock(0);
    sayKey("recording");
    setState("recording");
    ticker = window.setInterval(tick, 200);
  }

  function tick() {
    var elapsed = (Date.now() - startedAt) / 1000;
    timerValue.textContent = clock(Math.min(elapsed, maxSeconds));
    if (elapsed >= maxSeconds) {
      stoppedByTimer = true;
      stopRecording();
    }
  }

  function stopRecording() {
    if (ticker) {
      window.clearInterval(ticker);
      ticker = null;
    }
    if (recorder && recorder.state !== "inactive") {
      recorder.stop();
    }
  }

  function finishRecording() {
    var type = (recorder && recorder.mimeType) || mimeType || (chunks[0] && chunks[0].type) || "video/webm";
    recorder = null;
    var recorded = new Blob(chunks, {type: type.split(";")[0]});
    chunks = [];
    if (!recorded.size) {
      sayKey("empty", true);
      setState("idle");
      return;
    }
    blob = recorded;
    blobUrl = URL.createObjectURL(blob);
    playback.src = blobUrl;
    if (maxBytes > 0 && blob.size > maxBytes) {
      sayKey("too-large", true);
      setState("recorded");
      return;
    }
    say((stoppedByTimer ? text("time-up") + " " : "") + text("recorded"));
    setState("recorded");
  }

  // --- talking to the server ------------------------------------------------------------------------
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: {"Accept": "application/json", "X-CSRFToken": csrfToken}
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        return {ok: response.ok, status: response.status, body: json || {}};
      });
    });
  }

  function setTake(newTake, newKeyword) {
    if (newKeyword) {
      keyword.textContent = newKeyword;
    }
    if (newTake !== undefined && newTake !== null) {
      take = String(newTake);
      if (takeInput) {
        takeInput.value = take;
      }
    }
  }

  function failure(answer) {
    if (answer && answer.status === 401) {
      return text("session-expired");
    }
    return (answer && answer.body && answer.body.message) || text("upload-failed");
  }

  function retake() {
    if (busy) {
      return;
    }
    busy = true;
    render();
    post(root.getAttribute("data-retake-url")).then(function (answer) {
      busy = false;
      if (!answer.ok || !answer.body.keyword) {
        say(failure(answer), true);
        setState("error");
        return;
      }
      setTake(answer.body.take, answer.body.keyword);
      discard();
      if (root.getAttribute("data-camera") === "ready") {
        sayKey("new-keyword");
        setState("idle");
      } else {
        openCamera();
      }
    }).catch(function () {
      busy = false;
      sayKey("upload-failed", true);
      setState("error");
    });
  }

  function upload() {
    if (!blob || busy) {
      return;
    }
    busy = true;
    sayKey("uploading");
    setState("uploading");
    var data = new FormData();
    data.append("video", blob, "video-selfie" + (blob.type.indexOf("mp4") >= 0 ? ".mp4" : ".webm"));
    if (take) {
      data.append("take", take);
    }
    post(root.getAttribute("data-upload-url"), data).then(function (answer) {
      busy = false;
      if (answer.ok && answer.body.next) {
        sayKey("done");
        setState("done");
        stopCamera();
        window.location.assign(answer.body.next);
        return;
      }
      if (answer.body.code === "keyword_changed") { // a new keyword was drawn elsewhere: record it again
        setTake(answer.body.take, answer.body.keyword);
        discard();
        say(failure(answer), true);
        setState(root.getAttribute("data-camera") === "ready" ? "idle" : "error");
        return;
      }
      say(failure(answer), true);
      setState("error");
    }).catch(function () {
      busy = false;
      sayKey("upload-failed", true);
      setState("error");
    });
  }

  // --- start ----------------------------------------------------------------------------------------
  startButton.addEventListener("click", startCountdown);
  stopButton.addEventListener("click", stopRecording);
  retakeButton.addEventListener("click", retake);
  uploadButton.addEventListener("click", upload);
  retryButton.addEventListener("click", function () {
    if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
      openCamera();
    } else {
      window.location.reload();
    }
  });
  window.addEventListener("pagehide", function () {
    stopRecording();
    stopCamera();
  });
  window.addEventListener("pageshow", function (event) {
    // Back from the next page (the browser's page cache): the camera was stopped when the page was left.
    if (event.persisted && root.getAttribute("data-mode") === "recorder" && !stream) {
      openCamera();
    }
  });
  if (fallback) {
    fallback.addEventListener("submit", function () {
      var button = fallback.querySelector('button[type="submit"]');
      window.setTimeout(function () { if (button) { button.disabled = true; } }, 0);
    });
    window.addEventListener("pageshow", function () {
      var button = fallback.querySelector('button[type="submit"]');
      if (button) {
        button.disabled = false;
      }
    });
  }

  if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) {
    root.setAttribute("data-mode", "form");
    setCamera("unsupported");
    helpText.textContent = text("unsupported");
    setState("error");
    return;
  }
  if (typeof window.MediaRecorder !== "function") {
    root.setAttribute("data-mode", "form");
    setCamera("off");
    sayKey("no-recorder");
    setState("idle");
    return;
  }
  root.setAttribute("data-mode", "recorder");
  mimeType = pickType();
  openCamera();
}());
