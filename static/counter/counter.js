/*
 * The cashier's counter page: keyboard and barcode scanner only.
 *
 *   Enter  look the member up / record the sale or refund
 *   F2     use the most points this order allows
 *   F9     switch between sale and refund
 *   Esc    clear everything for the next customer
 *
 * A barcode scanner "types" the card number and presses Enter, so the scan
 * field is focused whenever the counter waits for a customer.
 *
 * Writes are idempotent on the server (store + receipt number, store + refund
 * number): a repeated post replays the original result. The in-flight guard
 * below only spares the server the duplicate; it is not what keeps the ledger
 * right.
 */
(function () {
  "use strict";

  // Head office picks its store from a select; Enter there confirms the choice
  // (browsers only submit on Enter from text inputs).
  const storeChoice = document.querySelector("form.store-choice");
  if (storeChoice) {
    storeChoice.querySelector("select").addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        storeChoice.requestSubmit();
      }
    });
  }

  const root = document.getElementById("counter");
  if (!root) {
    return; // head office has not picked a store yet
  }
  const strings = JSON.parse(document.getElementById("counter-strings").textContent);
  const csrfToken = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  const urls = {
    member: root.dataset.memberUrl,
    preview: root.dataset.previewUrl,
    purchase: root.dataset.purchaseUrl,
    refund: root.dataset.refundUrl,
  };
  const PREVIEW_DELAY_MS = 250;

  const lookupForm = document.getElementById("lookup-form");
  const scanInput = lookupForm.querySelector("input[name=q]");
  const lookupMessage = document.getElementById("lookup-message");
  const memberCard = document.getElementById("member-card");

  const tabSale = document.getElementById("tab-sale");
  const tabRefund = document.getElementById("tab-refund");

  const purchaseForm = document.getElementById("purchase-form");
  const purchaseFieldset = document.getElementById("purchase-fieldset");
  const purchaseMessage = document.getElementById("purchase-message");
  const memberInput = purchaseForm.querySelector("input[name=member]");
  const receiptInput = purchaseForm.querySelector("input[name=receipt_no]");
  const amountInput = purchaseForm.querySelector("input[name=amount]");
  const pointsInput = purchaseForm.querySelector("input[name=points_used]");
  const useMaxButton = document.getElementById("use-max");
  const previewLine = document.getElementById("preview");

  const refundForm = document.getElementById("refund-form");
  const refundFieldset = document.getElementById("refund-fieldset");
  const refundMessage = document.getElementById("refund-message");

  const resultPanel = document.getElementById("result");

  const busy = { lookup: false, purchase: false, refund: false };
  let member = null;
  let mode = "sale";
  let previewTimer = null;
  let previewSeq = 0;

  // --- talking to the server ----------------------------------------------
  async function call(url, options) {
    let response;
    try {
      response = await fetch(url, {
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
        ...options,
      });
    } catch (networkError) {
      return { ok: false, error: { code: "network", message: strings.network, fields: {} } };
    }
    let data = null;
    try {
      data = await response.json();
    } catch (notJson) {
      data = null;
    }
    if (response.ok && data) {
      return { ok: true, data: data };
    }
    const error = data && data.error ? data.error : { code: "network", message: strings.network, fields: {} };
    return { ok: false, error: error };
  }

  function query(params) {
    return "?" + new URLSearchParams(params).toString();
  }

  // --- messages --------------------------------------------------------------
  function say(element, text, kind) {
    element.textContent = text || "";
    element.hidden = !text;
    element.classList.toggle("error", kind === "error");
    element.classList.toggle("info", kind === "info");
  }

  function focusErrorField(form, fields) {
    const names = Object.keys(fields || {});
    for (const name of names) {
      const input = form.querySelector("[name='" + name + "']:not([type=hidden])");
      if (input) {
        input.focus();
        input.select();
        return;
      }
    }
  }

  // --- the member ------------------------------------------------------------
  function fill(container, attribute, values) {
    container.querySelectorAll("[" + attribute + "]").forEach(function (element) {
      const key = element.getAttribute(attribute);
      if (Object.prototype.hasOwnProperty.call(values, key)) {
        element.textContent = String(values[key]);
      }
    });
  }

  function showMember(found) {
    member = found;
    fill(memberCard, "data-m", {
      name: found.name,
      phone: found.phone,
      card_no: found.card_no,
      tier: found.tier,
      discount_percent: found.discount_percent,
      usable: found.usable,
      expiring_total: found.expiring_total,
    });
    const warnings = [];
    if (!found.active) {
      warnings.push(found.status_display);
    }
    if (found.card_lost) {
      warnings.push(strings.card_lost_warning);
    }
    const warning = memberCard.querySelector("[data-m=warning]");
    warning.textContent = warnings.join(" · ");
    warning.hidden = warnings.length === 0;
    const list = memberCard.querySelector("[data-m=expiring]");
    list.replaceChildren();
    for (const row of found.expiring) {
      const item = document.createElement("li");
      const date = document.createElement("span");
      date.textContent = row.date;
      const points = document.createElement("strong");
      points.textContent = String(row.points);
      item.append(date, points);
      list.append(item);
    }
    memberCard.hidden = false;
    resultPanel.hidden = true; // the last customer's result gives way to this one
    memberInput.value = String(found.id);
    purchaseFieldset.disabled = false;
  }

  function clearMember() {
    member = null;
    memberCard.hidden = true;
    memberInput.value = "";
    purchaseFieldset.disabled = true;
  }

  lookupForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    const text = scanInput.value.trim();
    if (!text) {
      return; // a stray Enter (a double press after a sale) is harmless
    }
    if (busy.lookup) {
      return;
    }
    busy.lookup = true;
    say(lookupMessage, strings.looking_up, "info");
    const result = await call(urls.member + query({ q: text }), { method: "GET" });
    busy.lookup = false;
    resetPurchase();
    if (!result.ok) {
      clearMember();
      say(lookupMessage, result.error.message, "error");
      scanInput.select(); // the next scan replaces the text
      return;
    }
    say(lookupMessage, "");
    scanInput.value = "";
    showMember(result.data.member);
    setMode("sale");
    receiptInput.focus();
  });

  // --- paying with points -------------------------------------------------------
  async function fetchPreview() {
    clearTimeout(previewTimer);
    const amount = amountInput.value.trim();
    const seq = ++previewSeq;
    if (!member || !amount) {
      say(previewLine, "");
      return null;
    }
    const result = await call(urls.preview + query({ member: member.id, amount: amount }), { method: "GET" });
    if (seq !== previewSeq) {
      return null; // a newer amount was typed meanwhile
    }
    if (!result.ok) {
      say(previewLine, result.error.message, "error");
      return null;
    }
    say(previewLine, result.data.text, "info");
    return result.data;
  }

  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(fetchPreview, PREVIEW_DELAY_MS);
  }

  async function useMax() {
    if (!member) {
      say(purchaseMessage, strings.scan_first, "error");
      scanInput.focus();
      return;
    }
    if (!amountInput.value.trim()) {
      say(purchaseMessage, strings.amount_first, "error");
      amountInput.focus();
      return;
    }
    const preview = await fetchPreview();
    if (preview) {
      pointsInput.value = preview.max_points ? String(preview.max_points) : "";
    }
    pointsInput.focus();
    pointsInput.select();
  }

  amountInput.addEventListener("input", schedulePreview);
  amountInput.addEventListener("change", fetchPreview);
  useMaxButton.addEventListener("click", useMax);

  // --- recording ---------------------------------------------------------------------
  function showResult(kind, data) {
    const isPurchase = kind === "purchase";
    fill(resultPanel, "data-r", {
      name: data.member.name,
      card_no: data.member.card_no,
      receipt_no: data.receipt_no,
      refund_no: data.refund_no || "",
      amount: data.amount,
      balance: data.balance,
    });
    fill(resultPanel, "data-r", data);
    document.getElementById("purchase-result").hidden = !isPurchase;
    document.getElementById("refund-result").hidden = isPurchase;
    document.getElementById("refund-no-label").hidden = isPurchase;
    document.getElementById("replayed-note").hidden = !data.replayed;
    resultPanel.hidden = false;
  }

  async function submit(form, fieldset, message, url, key) {
    if (busy[key]) {
      return null;
    }
    busy[key] = true;
    // Read the fields before disabling them: disabled fields are not sent.
    const body = new URLSearchParams(new FormData(form));
    fieldset.disabled = true;
    say(message, strings.saving, "info");
    const result = await call(url, { method: "POST", body: body });
    busy[key] = false;
    fieldset.disabled = false;
    if (!result.ok) {
      say(message, result.error.message, "error");
      focusErrorField(form, result.error.fields);
      return null;
    }
    say(message, "");
    return result.data;
  }

  purchaseForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (!member) {
      say(purchaseMessage, strings.scan_first, "error");
      scanInput.focus();
      return;
    }
    const data = await submit(purchaseForm, purchaseFieldset, purchaseMessage, urls.purchase, "purchase");
    if (data) {
      showResult("purchase", data);
      nextCustomer();
    }
  });

  refundForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    const data = await submit(refundForm, refundFieldset, refundMessage, urls.refund, "refund");
    if (data) {
      showResult("refund", data);
      refundForm.reset();
      setMode("sale");
      nextCustomer();
    }
  });

  // --- modes and the next customer ---------------------------------------------------
  function resetPurchase() {
    clearTimeout(previewTimer);
    previewSeq++;
    purchaseForm.reset();
    say(previewLine, "");
    say(purchaseMessage, "");
  }

  function nextCustomer() {
    resetPurchase();
    clearMember();
    say(lookupMessage, "");
    scanInput.value = "";
    scanInput.focus();
  }

  function setMode(next) {
    mode = next;
    const refund = mode === "refund";
    purchaseForm.hidden = refund;
    refundForm.hidden = !refund;
    tabSale.setAttribute("aria-selected", String(!refund));
    tabRefund.setAttribute("aria-selected", String(refund));
    if (refund) {
      say(refundMessage, "");
      refundForm.querySelector("input[name=receipt_no]").focus();
    }
  }

  tabSale.addEventListener("click", function () {
    setMode("sale");
    (member ? receiptInput : scanInput).focus();
  });
  tabRefund.addEventListener("click", function () {
    setMode("refund");
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "F2") {
      event.preventDefault();
      if (mode === "sale" && !busy.purchase) {
        useMax();
      }
    } else if (event.key === "F9") {
      event.preventDefault();
      setMode(mode === "sale" ? "refund" : "sale");
      if (mode === "sale") {
        (member ? receiptInput : scanInput).focus();
      }
    } else if (event.key === "Escape") {
      if (busy.purchase || busy.refund) {
        return; // let the answer arrive before clearing the screen
      }
      event.preventDefault();
      refundForm.reset();
      setMode("sale");
      nextCustomer();
    }
  });

  scanInput.focus();
})();
