// The patient app's only script. A check-in is kept on the device
// (IndexedDB) before it is sent, then sent through POST /v1/sync with the
// session cookie and its CSRF token; without a connection it waits and is
// sent when the connection returns. Its client_id is made here, once, so
// that however often it is sent it is stored once. All texts come from the
// page (the server renders them in the patient's language).
"use strict";

// Loaded with `async`, so that the page (whose form works without script)
// is usable before the script arrives on a slow connection.
function aftercareApp() {
  const body = document.body;
  const user = body.dataset.user;
  const csrf = body.dataset.csrf;

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).catch(function () {});
  }

  // Signing out forgets the pages kept for offline use.
  const signOut = document.getElementById("sign-out");
  if (signOut) {
    signOut.addEventListener("submit", function (event) {
      if (!window.caches) {
        return;
      }
      event.preventDefault();
      caches.keys()
        .then(function (keys) { return Promise.all(keys.map(function (k) { return caches.delete(k); })); })
        .finally(function () { signOut.submit(); });
    });
  }

  // The "Remind me" switch: subscribes through the browser's Push API
  // and keeps the subscription on the server before the form is saved.
  const reminders = document.getElementById("reminders");
  if (reminders) {
    const remindMe = document.getElementById("remind-me");
    const unavailable = document.getElementById("push-unavailable");
    const pushable = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
    const key = function () {
      const raw = reminders.dataset.vapid.replace(/-/g, "+").replace(/_/g, "/");
      return Uint8Array.from(atob(raw + "=".repeat((4 - raw.length % 4) % 4)), function (c) { return c.charCodeAt(0); });
    };
    reminders.addEventListener("submit", function (event) {
      if (!remindMe.checked || !pushable) {
        return;
      }
      event.preventDefault();
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") {
          throw new Error("notifications are not allowed");
        }
        return navigator.serviceWorker.ready;
      }).then(function (registration) {
        return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key() });
      }).then(function (subscription) {
        return fetch("/app/reminders/push", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
          body: JSON.stringify(subscription.toJSON()),
        });
      }).then(function (response) {
        if (!response.ok) {
          throw new Error("the subscription was refused");
        }
      }).catch(function () {
        remindMe.checked = false;
        unavailable.hidden = false;
      }).finally(function () { reminders.submit(); });
    });
    if (!pushable) {
      unavailable.hidden = false;
    }
  }

  if (!user || !window.indexedDB) {
    return;
  }

  // The outbox: check-ins not yet answered by the server.
  const STORE = "outbox";
  function database() {
    return new Promise(function (resolve, reject) {
      const request = indexedDB.open("aftercare", 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "client_id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function inStore(mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        const tx = db.transaction(STORE, mode);
        const result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result && result.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  const keep = function (item) { return inStore("readwrite", function (s) { s.put(item); }); };
  const forget = function (id) { return inStore("readwrite", function (s) { s.delete(id); }); };
  const waiting = function () {
    return inStore("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).filter(function (item) { return item.user === user; });
    });
  };

  function newId() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const hex = Array.from(b, function (x) { return x.toString(16).padStart(2, "0"); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" +
      hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // The line that tells what waits to be sent.
  const line = document.getElementById("queue");
  function tell(text) {
    if (!line) {
      return;
    }
    line.textContent = text;
    line.hidden = !text;
  }

  // Sends everything waiting; answers client_id -> {status, body}.
  let flushing = null;
  function flush() {
    if (flushing) {
      return flushing;
    }
    flushing = waiting().then(function (items) {
      if (items.length === 0) {
        return new Map();
      }
      tell(line.dataset.sending);
      const checkins = items.map(function (item) {
        return Object.assign({ treatment_id: item.treatment_id }, item.body);
      });
      return fetch("/v1/sync", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ checkins: checkins }),
      }).then(function (response) {
        if (response.status === 401 || response.status === 403) {
          tell(line.dataset.signIn);
          return new Map();
        }
        if (!response.ok) {
          throw new Error("sync answered " + response.status);
        }
        return response.json().then(function (answer) { return settle(items, answer.results || []); });
      }).catch(function () {
        tell(line.dataset.waiting + " (" + items.length + ")");
        return new Map();
      });
    }).finally(function () { flushing = null; });
    return flushing;
  }

  // Answered items leave the outbox once their photos are sent too; one
  // the server refused for good (4xx) too, told on the page; a failure of
  // the server (5xx) or of the connection waits again.
  function settle(items, results) {
    const answers = new Map();
    const byId = new Map(items.map(function (item) { return [item.client_id, item]; }));
    let left = 0;
    let refused = 0;
    let photosRefused = [];
    // The guidance first (an emergency cannot wait for photos to upload).
    results.forEach(function (result) { answers.set(result.client_id, result); });
    shownAnswer(answers);
    const done = results.map(function (result) {
      if (result.status >= 400 && result.status < 500) {
        refused += 1;
        return forget(result.client_id);
      }
      if (result.status >= 300) {
        left += 1;
        return Promise.resolve();
      }
      const item = byId.get(result.client_id);
      const checkin = result.body && result.body.checkin;
      return sendPhotos(item, checkin && checkin.id).then(function (outcome) {
        photosRefused = photosRefused.concat(outcome.refused);
        if (outcome.pending.length > 0) {
          left += 1;
          return keep(Object.assign({}, item, { photos: outcome.pending }));
        }
        return forget(result.client_id);
      });
    });
    left += Math.max(0, items.length - results.length);
    return Promise.all(done).then(function () {
      if (left > 0) {
        tell(line.dataset.waiting + " (" + left + ")");
      } else if (refused > 0) {
        tell(line.dataset.refused + " " + results.filter(function (r) { return r.status >= 400; })
          .map(function (r) { return (r.body && r.body.detail) || r.status; }).join("; "));
      } else if (photosRefused.length > 0) {
        tell(line.dataset.photoRefused + " " + photosRefused.join("; "));
      } else {
        tell(line.dataset.sent);
      }
      return answers;
    });
  }

  // The item's photos, one after another (a phone's uplink is narrow),
  // each under its own id as Idempotency-Key so that a resend is stored
  // once; answers the photos still to send and the refusals.
  function sendPhotos(item, checkinId) {
    const outcome = { pending: [], refused: [] };
    const photos = (item && item.photos) || [];
    if (!checkinId) {
      return Promise.resolve(outcome);
    }
    return photos.reduce(function (chain, photo) {
      return chain.then(function () {
        return fetch("/v1/checkins/" + encodeURIComponent(checkinId) + "/photos", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": photo.type, "X-CSRF-Token": csrf, "Idempotency-Key": photo.id },
          body: photo.blob,
        }).then(function (response) {
          const final = response.status >= 400 && response.status < 500 &&
            [401, 403, 408, 429].indexOf(response.status) < 0;
          if (response.ok) {
            return null;
          }
          if (!final) {
            outcome.pending.push(photo);
            return null;
          }
          return response.json().catch(function () { return {}; }).then(function (problem) {
            outcome.refused.push(photo.name + ": " + (problem.detail || response.status));
          });
        }, function () { outcome.pending.push(photo); });
      });
    }, Promise.resolve()).then(function () { return outcome; });
  }

  const form = document.getElementById("checkin");
  const result = document.getElementById("result");
  let shown = null;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  // The server's answer: the emergency first and largest, then what to do.
  function showAnswer(answer) {
    const d = result.dataset;
    const guidance = (answer.triage && answer.triage.guidance) || [];
    result.replaceChildren();
    const title = element("h1", "", d.title);
    title.tabIndex = -1;
    result.append(title);
    guidance.filter(function (g) { return g.code === "call_emergency"; }).forEach(function (g) {
      const block = element("section", "emergency");
      block.setAttribute("role", "alert");
      const call = element("a", "call", d.call + " " + d.number);
      call.href = "tel:" + d.number;
      block.append(call, element("p", "", g.text));
      result.append(block);
    });
    const rest = guidance.filter(function (g) { return g.code !== "call_emergency"; });
    if (rest.length > 0) {
      result.append(element("h2", "", d.what));
      const list = element("ul", "guidance");
      rest.forEach(function (g) {
        const item = element("li", "", g.text);
        item.dataset.code = g.code;
        list.append(item);
      });
      result.append(list);
    }
    const again = element("a", "button", d.again);
    again.href = "/app/";
    result.append(again);
    document.getElementById("offline-emergency").hidden = true;
    document.getElementById("offline-saved").hidden = true;
    result.hidden = false;
    form.hidden = true;
    hideStatus();
    title.focus();
  }

  // Shown when the report waiting on the page is answered at last.
  function shownAnswer(answers) {
    const answer = shown && answers.get(shown);
    if (answer && answer.status < 300) {
      showAnswer(answer.body);
      shown = null;
    }
  }

  // The device's own check for an emergency sign (the signs of the
  // aftercare text, sent by the server with the form).
  function hasEmergencySign(report) {
    const signs = JSON.parse(form.dataset.signs || "[]");
    const severity = function (code) { return report.symptoms[code] || 0; };
    const low = Number(form.dataset.hypotensionBelow);
    const pressure = report.vitals && report.vitals.systolic_bp;
    return signs.some(function (sign) {
      return sign.every(function (pair) { return severity(pair[0]) >= pair[1]; });
    }) || (typeof pressure === "number" && pressure < low);
  }

  // The line about today's check-in no longer tells the page's state.
  function hideStatus() {
    document.querySelectorAll("p.status").forEach(function (p) { p.hidden = true; });
  }

  function showOffline(report) {
    form.hidden = true;
    hideStatus();
    document.getElementById("offline-emergency").hidden = !hasEmergencySign(report);
    document.getElementById("offline-saved").hidden = false;
    const first = hasEmergencySign(report) ? "offline-emergency" : "offline-saved";
    const target = document.getElementById(first);
    target.tabIndex = -1;
    target.focus();
  }

  // The form as the check-in API's JSON (as the server reads it without
  // script, see src/web/app/checkin.rs).
  function report() {
    const data = new FormData(form);
    const symptoms = {};
    data.forEach(function (value, name) {
      if (name.startsWith("s.") && value !== "0") {
        symptoms[name.slice(2)] = Number(value);
      }
    });
    const number = function (name) {
      const raw = String(data.get(name) || "").trim();
      return raw === "" ? null : Number(raw);
    };
    const out = {
      client_id: newId(),
      observed_at: new Date().toISOString(),
      symptoms: symptoms,
      impact: {
        missed_normal_activities: data.get("missed_normal_activities") !== null,
        missed_work: data.get("missed_work") !== null,
        medical_care: data.get("medical_care") || "none",
      },
    };
    const vitals = {};
    if (number("glucose") !== null) {
      vitals.glucose = { value: number("glucose"), unit: data.get("glucose_unit") };
    }
    ["systolic_bp", "temperature_c"].forEach(function (name) {
      if (number(name) !== null) {
        vitals[name] = number(name);
      }
    });
    if (Object.keys(vitals).length > 0) {
      out.vitals = vitals;
    }
    const note = String(data.get("note") || "").trim();
    if (note) {
      out.note = note;
    }
    return out;
  }

  if (form) {
    // The glucose unit the patient chose last time.
    const unit = document.getElementById("glucose-unit");
    const remembered = localStorage.getItem("aftercare.glucose_unit");
    if (unit && remembered) {
      unit.value = remembered;
    }
    if (unit) {
      unit.addEventListener("change", function () { localStorage.setItem("aftercare.glucose_unit", unit.value); });
    }

    // Photos chosen for the report, kept with it in the outbox (IndexedDB
    // keeps the files) until the server has both.
    const photoField = document.getElementById("photo-field");
    let chosen = [];
    const showChosen = photoField ? choosePhotos(photoField) : function () {};
    function choosePhotos(field) {
      const input = document.getElementById("photo");
      const list = document.getElementById("photo-list");
      const error = document.getElementById("photo-error");
      const max = Number(field.dataset.max);
      const maxBytes = Number(field.dataset.maxBytes);
      field.hidden = false;
      function show() {
        list.replaceChildren();
        chosen.forEach(function (photo, index) {
          const row = element("li");
          const remove = element("button", "link", field.dataset.remove);
          remove.type = "button";
          remove.setAttribute("aria-label", field.dataset.remove + " " + photo.name);
          remove.addEventListener("click", function () {
            chosen.splice(index, 1);
            show();
            input.focus();
          });
          row.append(element("span", "", photo.name), remove);
          list.append(row);
        });
        list.hidden = chosen.length === 0;
        input.disabled = chosen.length >= max;
      }
      input.addEventListener("change", function () {
        error.hidden = true;
        Array.from(input.files || []).forEach(function (file) {
          if (chosen.length >= max) {
            return;
          }
          if (file.size > maxBytes || !/^image\//.test(file.type)) {
            error.textContent = field.dataset.refused + " " + file.name;
            error.hidden = false;
            return;
          }
          chosen.push({ id: newId(), name: file.name, type: file.type, blob: file });
        });
        input.value = "";
        show();
      });
      show();
      return show;
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      const body = report();
      const item = {
        client_id: body.client_id, user: user, treatment_id: form.dataset.treatment, body: body,
        photos: chosen,
      };
      chosen = [];
      showChosen();
      shown = item.client_id;
      // After a send already on its way, so that this one goes too.
      (flushing || Promise.resolve()).then(function () { return keep(item); }).then(flush).then(function (answers) {
        const answer = answers.get(item.client_id);
        if (!answer) {
          showOffline(body);
        } else if (answer.status >= 400) {
          form.hidden = false;
          shown = null;
        }
      });
    });
  }

  window.addEventListener("online", flush);
  setInterval(function () { if (navigator.onLine) { flush(); } }, 30000);
  flush();
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", aftercareApp);
} else {
  aftercareApp();
}
