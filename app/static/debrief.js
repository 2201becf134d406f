// Debrief's small progressive enhancements. Pages work without it.
document.addEventListener("DOMContentLoaded", () => {
  // Confirm destructive buttons marked with data-confirm.
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (ev) => {
      if (!window.confirm(el.dataset.confirm)) ev.preventDefault();
    });
  });
});

// Upload with a progress bar: send the form by XHR, then open the preview it names.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-upload-progress]").forEach((form) => {
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const bar = form.querySelector("progress");
      const text = form.querySelector(".progress-text");
      const button = form.querySelector("button[type=submit]");
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.setRequestHeader("Accept", "application/json");
      bar.hidden = false;
      button.disabled = true;
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) {
          bar.value = Math.round((100 * e.loaded) / e.total);
          text.textContent = `Uploading… ${bar.value}%`;
        }
      });
      xhr.upload.addEventListener("load", () => { text.textContent = "Reading the file…"; });
      xhr.addEventListener("load", () => {
        if (xhr.status === 200) {
          text.textContent = "Preparing the preview…";
          window.location = JSON.parse(xhr.responseText).preview_url;
        } else {
          document.open(); document.write(xhr.responseText); document.close();
        }
      });
      xhr.addEventListener("error", () => { text.textContent = "Upload failed."; button.disabled = false; });
      xhr.send(new FormData(form));
    });
  });
});

// Review editor: live preview, blameless findings and autosave with version checks.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-autosave]").forEach((form) => {
    const area = form.querySelector("textarea[name=content]");
    const preview = form.querySelector(".preview");
    const findings = form.querySelector(".findings");
    const state = form.querySelector(".save-state");
    const version = form.querySelector("input[name=version]");
    const token = form.querySelector("input[name=csrf_token]").value;
    let previewTimer = null;
    let saveTimer = null;
    let lastSaved = area.value;

    const renderFindings = (items) => {
      findings.replaceChildren();
      items.forEach((f) => {
        const li = document.createElement("li");
        li.className = `finding ${f.severity}`;
        const strong = document.createElement("strong");
        strong.textContent = f.title || f.rule;
        li.append(strong, `: “${f.text}” — ${f.why} `);
        const em = document.createElement("em");
        em.textContent = `Try: ${f.suggestion}`;
        li.append(em);
        findings.append(li);
      });
    };

    const refreshPreview = async () => {
      const body = new FormData();
      body.append("csrf_token", token);
      body.append("key", form.dataset.key);
      body.append("content", area.value);
      const resp = await fetch(form.dataset.previewUrl, { method: "POST", body, headers: { "X-CSRFToken": token } });
      if (!resp.ok) return;
      const data = await resp.json();
      preview.innerHTML = data.html; // sanitised server-side (markdown-it, raw HTML off, nh3)
      renderFindings(data.findings);
    };

    const save = async () => {
      if (area.value === lastSaved) return;
      const body = new FormData(form);
      state.textContent = "Saving…";
      const resp = await fetch(form.action, { method: "POST", body, headers: { Accept: "application/json" } });
      if (resp.status === 409) {
        state.textContent = "Someone else saved this section. Press Save to see both versions and merge.";
        return;
      }
      if (!resp.ok) { state.textContent = "Not saved."; return; }
      const data = await resp.json();
      version.value = data.version;
      lastSaved = area.value;
      state.textContent = `Saved ${new Date().toLocaleTimeString()}`;
    };

    area.addEventListener("input", () => {
      clearTimeout(previewTimer);
      previewTimer = setTimeout(refreshPreview, 400);
      clearTimeout(saveTimer);
      saveTimer = setTimeout(save, 2500);
      state.textContent = "Unsaved changes";
    });
  });
});

// Facilitator mode: phase timers, the current event, voices, keyboard shortcuts.
document.addEventListener("DOMContentLoaded", () => {
  const root = document.querySelector("[data-meeting]");
  if (!root) return;
  const events = [...root.querySelectorAll("[data-event]")];
  const phases = [...root.querySelectorAll("[data-phase]")];
  const voices = [...root.querySelectorAll("[data-voice]")];
  const moveOn = root.querySelector(".move-on");
  const total = root.querySelector(".timer-total");
  const toggle = root.querySelector("[data-action=toggle-timer]");
  let ev = 0, phase = 0, voice = -1, running = false, elapsed = phases.map(() => 0);
  // Parking an idea or saving notes reloads the page: keep the meeting's clock, phase,
  // event and voice in this tab so the room does not jump back to the start.
  const stateKey = `debrief-meeting:${window.location.pathname}`;
  const save = () => {
    try {
      sessionStorage.setItem(stateKey, JSON.stringify({ ev, phase, voice, running, elapsed, at: Date.now() }));
    } catch (err) { /* storage unavailable: the meeting still runs, only without memory */ }
  };

  const fmt = (s) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  const showEvent = (i) => {
    if (!events.length) return;
    ev = Math.max(0, Math.min(events.length - 1, i));
    events.forEach((e, k) => { e.hidden = k !== ev; });
    moveOn.hidden = true;
    save();
  };
  const showPhase = (i) => {
    phase = Math.max(0, Math.min(phases.length - 1, i));
    phases.forEach((p, k) => p.classList.toggle("current", k === phase));
    save();
  };
  const showVoice = () => voices.forEach((v, k) => v.classList.toggle("current", k === voice));
  const render = () => {
    phases.forEach((p, k) => {
      const limit = Number(p.dataset.minutes) * 60;
      const t = p.querySelector(".phase-timer");
      t.textContent = elapsed[k] ? `${fmt(elapsed[k])} / ${fmt(limit)}` : "";
      p.classList.toggle("over", elapsed[k] > limit);
    });
    const sum = elapsed.reduce((a, b) => a + b, 0);
    total.textContent = sum ? `Meeting time ${fmt(sum)}` : "";
    toggle.textContent = running ? "Pause" : "Start";
  };
  const tick = () => {
    if (!running) return;
    elapsed[phase] += 1;
    render();
    save();
  };
  const restore = () => {
    let saved = null;
    try { saved = JSON.parse(sessionStorage.getItem(stateKey)); } catch (err) { return; }
    if (!saved || !Array.isArray(saved.elapsed) || saved.elapsed.length !== phases.length) return;
    if (!(Date.now() - Number(saved.at) < 12 * 3600 * 1000)) return; // another day: a new meeting
    elapsed = saved.elapsed.map((n) => Math.max(0, Math.floor(Number(n)) || 0));
    running = Boolean(saved.running);
    voice = Number.isInteger(saved.voice) && saved.voice < voices.length ? saved.voice : -1;
    showPhase(Number(saved.phase) || 0);
    showEvent(Number(saved.ev) || 0);
    showVoice();
    // The clock kept running while the page reloaded.
    if (running) elapsed[phase] += Math.max(0, Math.floor((Date.now() - Number(saved.at)) / 1000)) || 0;
    render();
    save();
  };
  restore();
  setInterval(tick, 1000);
  const toggleTimer = () => { running = !running; render(); save(); };
  const nextVoice = () => {
    if (!voices.length) return;
    voice = (voice + 1) % voices.length;
    showVoice();
    save();
  };
  const actions = {
    "toggle-timer": toggleTimer,
    "next-phase": () => showPhase(phase + 1),
    "next-event": () => showEvent(ev + 1),
    "prev-event": () => showEvent(ev - 1),
    "move-on": () => { moveOn.hidden = false; setTimeout(() => showEvent(ev + 1), 1200); },
    "next-voice": nextVoice,
  };
  root.querySelectorAll("[data-action]").forEach((b) => b.addEventListener("click", () => actions[b.dataset.action]()));
  document.addEventListener("keydown", (e) => {
    if (["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName)) return;
    const map = { ArrowRight: "next-event", ArrowLeft: "prev-event", n: "next-phase", " ": "toggle-timer", m: "move-on", r: "next-voice" };
    if (e.key === "p") { e.preventDefault(); root.querySelector("[data-park-input]").focus(); return; }
    if (map[e.key]) { e.preventDefault(); actions[map[e.key]](); }
  });
});

// Background jobs: follow the progress file and move on to the result when done.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-job-url]");
  if (!box) return;
  const bar = box.querySelector("progress");
  const text = box.querySelector(".job-message");
  const poll = async () => {
    let job;
    try {
      job = await (await fetch(box.dataset.jobUrl, { headers: { Accept: "application/json" } })).json();
    } catch (err) {
      setTimeout(poll, 2000);
      return;
    }
    if (job.total) { bar.max = job.total; bar.value = job.done; }
    if (job.state === "done") { text.textContent = "Finished."; if (job.url) window.location.assign(job.url); return; }
    if (job.state === "failed") { bar.hidden = true; text.textContent = job.error; return; }
    text.textContent = `${job.message} (${job.done}${job.total ? " of " + job.total : ""})`;
    setTimeout(poll, 1000);
  };
  poll();
});
