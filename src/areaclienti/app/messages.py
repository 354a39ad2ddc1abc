"""Texts of the SMS and emails we send (Italian, the customers' language)."""
from __future__ import annotations

SIGNATURE = "\n\nCA Vita · CA Assicurazioni\nQuesto messaggio è automatico: non rispondere a questo indirizzo."


def _greeting(name: str | None) -> str:
    return f"Gentile {name}," if name else "Gentile cliente,"


def otp_sms(code: str, minutes: int) -> str:
    return (
        f"Area Clienti: il tuo codice di verifica è {code}. Vale {minutes} minuti. "
        "Non comunicarlo a nessuno: i nostri operatori non te lo chiederanno mai."
    )


def set_password_email(name: str | None, url: str, hours: int) -> tuple[str, str]:
    return (
        "Area Clienti: imposta la tua password",
        f"{_greeting(name)}\n\nil tuo numero di cellulare è stato verificato. Per completare la registrazione "
        f"ad Area Clienti imposta la tua password personale da questo link:\n\n{url}\n\n"
        f"Il link vale {hours} ore e si può usare una sola volta. Se non hai chiesto tu la registrazione, "
        "ignora questo messaggio." + SIGNATURE,
    )


def reset_password_email(name: str | None, url: str, minutes: int) -> tuple[str, str]:
    return (
        "Area Clienti: reimposta la tua password",
        f"{_greeting(name)}\n\nabbiamo ricevuto una richiesta di reimpostazione della password di Area Clienti. "
        f"Per scegliere una nuova password apri questo link:\n\n{url}\n\n"
        f"Il link vale {minutes} minuti e si può usare una sola volta. Se non hai chiesto tu il reset, "
        "ignora questo messaggio: la tua password attuale resta valida." + SIGNATURE,
    )


def password_changed_email(name: str | None, when: str, others_ended: bool) -> tuple[str, str]:
    """``when`` in Italian time, as «25/11/2026 alle 10:00»."""
    ended = " Per sicurezza abbiamo chiuso tutte le altre sessioni aperte." if others_ended else ""
    return (
        "Area Clienti: la tua password è stata modificata",
        f"{_greeting(name)}\n\nla password del tuo profilo Area Clienti è stata modificata il {when} "
        f"(ora italiana).{ended}\n\n"
        "Se non sei stato tu, reimposta subito la password con «password dimenticata?» e contatta "
        "l'assistenza." + SIGNATURE,
    )


def legacy_wrong_data_email(name: str | None, register_url: str) -> tuple[str, str]:
    return (
        "Area Clienti: completa una nuova registrazione",
        f"{_greeting(name)}\n\ni dati anagrafici del tuo profilo della precedente Area Clienti non corrispondono "
        "a quelli delle tue polizze, quindi non possiamo trasferirlo nella nuova Area Clienti.\n\n"
        "Per accedere effettua una nuova registrazione:\n"
        f"1. apri {register_url}\n"
        "2. inserisci il tuo codice fiscale (o la partita IVA della società) e il numero di una polizza "
        "di cui sei contraente, aderente o avente diritto all'attestato di rischio;\n"
        "3. indica email e cellulare e conferma il codice che ti inviamo via SMS;\n"
        "4. imposta la password dal link che riceverai via email.\n\n"
        "Se pensi che i tuoi dati siano corretti, contatta l'assistenza." + SIGNATURE,
    )


def email_already_registered_email(login_url: str, *, email_change: bool = False) -> tuple[str, str]:
    """To the holder of a login email someone else tried to register with (or to make their own)."""
    asked = ("di usare questo indirizzo email come email di accesso di un altro profilo Area Clienti, ma"
             if email_change else "di registrazione ad Area Clienti con questo indirizzo email, che")
    return (
        "Area Clienti: questo indirizzo ha già un profilo",
        f"{_greeting(None)}\n\nabbiamo ricevuto una richiesta {asked} è già associato a un profilo.\n\n"
        f"Se eri tu, accedi da {login_url} con la tua password oppure usa «password dimenticata?».\n"
        "Per registrare un altro codice fiscale o un'altra partita IVA indica un indirizzo email diverso.\n\n"
        "Se non sei stato tu, ignora questo messaggio: il tuo profilo non è stato modificato." + SIGNATURE,
    )


REJECTION_REASONS_IT = {
    "video_unclear": "il video non è chiaro oppure il volto non si vede bene",
    "keyword_missing": "nel video non si sente pronunciare la parola chiave indicata",
    "face_mismatch": "il volto nel video non corrisponde alla foto del documento",
    "document_unreadable": "le immagini del documento non sono leggibili o sono incomplete",
    "document_data_mismatch": "il numero o la scadenza indicati non corrispondono al documento",
    "personal_data_mismatch": "i dati del documento non corrispondono a quelli della tua anagrafica",
    "document_not_valid": "il documento non è valido o non è tra quelli accettati",
    "other": "un altro motivo, indicato qui sotto",
}


def identification_approved_email(name: str | None, document_update: bool, login_url: str) -> tuple[str, str]:
    what = ("il nuovo documento d'identità è stato verificato ed è ora quello registrato"
            if document_update else
            "la tua identità è stata verificata: ora puoi usare anche le funzioni dispositive "
            "(pagamenti, denunce, variazioni, riscatti)")
    return (
        "Area Clienti: identificazione completata",
        f"{_greeting(name)}\n\n{what}.\n\nAccedi ad Area Clienti: {login_url}" + SIGNATURE,
    )


def identification_rejected_email(name: str | None, reason: str, note: str, retry_url: str) -> tuple[str, str]:
    detail = f"\n\nNota dell'operatore: {note}" if note else ""
    return (
        "Area Clienti: identificazione da ripetere",
        f"{_greeting(name)}\n\nnon è stato possibile verificare la tua identità: "
        f"{REJECTION_REASONS_IT.get(reason, reason)}.{detail}\n\n"
        f"Puoi ripetere il video selfie quando vuoi da Area Clienti: {retry_url}\n\n"
        "Se hai bisogno di aiuto chiama l'assistenza ai numeri indicati in Area Clienti." + SIGNATURE,
    )


REQUEST_KIND_NAMES = {
    "premium_payment": "Pagamento premio",
    "additional_payment": "Versamento aggiuntivo",
    "claim": "Denuncia di sinistro",
    "data_change": "Modifica dati",
    "surrender": "Riscatto",
    "suspension": "Sospensione",
    "reactivation": "Riattivazione",
}
REQUEST_STATUS_NAMES = {
    "submitted": "inviata",
    "awaiting_payment": "in attesa di pagamento",
    "paid": "pagamento ricevuto",
    "payment_refused": "pagamento non riuscito",
    "payment_abandoned": "pagamento annullato",
    "under_review": "in verifica",
    "released": "verificata",
    "handed_over": "trasmessa alla compagnia",
    "taken_in_charge": "presa in carico",
    "completed": "completata",
    "rejected": "respinta",
    "withdrawn": "ritirata",
}


def request_status_email(name: str | None, number: str, kind: str, policy_number: str, status: str,
                         reason: str | None, url: str) -> tuple[str, str]:
    kind_name = REQUEST_KIND_NAMES.get(kind, "Richiesta")
    status_name = REQUEST_STATUS_NAMES.get(status, status)
    why = f"\nMotivo: {reason}\n" if reason else ""
    if status in ("awaiting_payment", "submitted"):
        opening = f"abbiamo ricevuto la tua richiesta «{kind_name}» sulla polizza {policy_number}."
    else:
        opening = f"la tua richiesta «{kind_name}» sulla polizza {policy_number} è ora: {status_name}."
    return (
        f"Area Clienti: richiesta {number} {status_name}",
        f"{_greeting(name)}\n\n{opening}\n{why}\nNumero della richiesta: {number}\n"
        f"Segui lo stato e scarica la ricevuta da qui:\n\n{url}" + SIGNATURE,
    )


# --- changes of the login email and of the mobile (from the profile) ------------------------------------
def confirm_email_change_email(name: str | None, url: str, hours: int) -> tuple[str, str]:
    return (
        "Area Clienti: conferma il tuo nuovo indirizzo email",
        f"{_greeting(name)}\n\nhai chiesto di usare questo indirizzo come email di accesso ad Area Clienti. "
        f"Per confermarlo apri questo link:\n\n{url}\n\n"
        f"Il link vale {hours} ore e si può usare una sola volta. Finché non lo confermi continui ad accedere "
        "con l'indirizzo di prima. Se non hai chiesto tu la modifica, ignora questo messaggio." + SIGNATURE,
    )


def email_change_requested_email(name: str | None, masked_new: str, when: str, cancel_url: str,
                                 days: int) -> tuple[str, str]:
    """To the old address: someone asked to move the login elsewhere."""
    return (
        "Area Clienti: richiesta di modifica dell'email di accesso",
        f"{_greeting(name)}\n\nil {when} (ora italiana) è stato chiesto di sostituire questo indirizzo, "
        f"come email di accesso ad Area Clienti, con {masked_new}. La modifica vale solo quando il nuovo "
        "indirizzo viene confermato dal link che gli abbiamo inviato.\n\n"
        "Se sei stato tu non devi fare nulla.\n\n"
        f"Se NON sei stato tu, apri questo link: annulla la modifica (o, se era già confermata, ridà "
        f"a questo indirizzo l'accesso) e chiude tutte le sessioni aperte:\n\n{cancel_url}\n\n"
        f"Il link vale {days} giorni. Poi cambia subito la password con «password dimenticata?»: "
        "chi ha chiesto la modifica la conosce." + SIGNATURE,
    )


def email_changed_email(name: str | None, when: str) -> tuple[str, str]:
    """To the new address, once confirmed."""
    return (
        "Area Clienti: nuova email di accesso confermata",
        f"{_greeting(name)}\n\ndal {when} (ora italiana) accedi ad Area Clienti con questo indirizzo email; "
        "quello di prima non vale più per l'accesso." + SIGNATURE,
    )


def mobile_changed_sms(masked_new: str) -> str:
    """To the old number."""
    return (
        f"Area Clienti: il cellulare del tuo profilo è stato sostituito con {masked_new}. "
        "Se non sei stato tu, cambia subito la password e chiama l'assistenza."
    )


def mobile_changed_email(name: str | None, masked_old: str | None, masked_new: str, when: str) -> tuple[str, str]:
    before = f" al posto di {masked_old}" if masked_old else ""
    return (
        "Area Clienti: il tuo numero di cellulare è stato modificato",
        f"{_greeting(name)}\n\nil {when} (ora italiana) il numero di cellulare del tuo profilo Area Clienti è "
        f"diventato {masked_new}{before}: lì riceverai i codici di verifica.\n\n"
        "Se non sei stato tu, reimposta subito la password con «password dimenticata?» e contatta "
        "l'assistenza." + SIGNATURE,
    )


ASSISTANCE_REASON_NAMES = {
    "navigation": "Problemi di navigazione",
    "policy_information": "Informazioni sulla polizza",
    "complaint": "Reclamo",
}


def assistance_received_email(number: str, reason: str, url: str, answer_due=None) -> tuple[str, str]:
    """The number in the subject, the link to the thread; for a complaint the 45-day deadline and IVASS."""
    kind = "reclamo" if reason == "complaint" else "richiesta di assistenza"
    what = ("il tuo reclamo" if reason == "complaint"
            else f"la tua richiesta di assistenza «{ASSISTANCE_REASON_NAMES.get(reason, reason)}»")
    due = ""
    if answer_due is not None:
        due = (f"\nTi risponderemo entro il {answer_due.strftime('%d/%m/%Y')} (45 giorni, Reg. ISVAP 24/2008). "
               "Se la risposta non ti soddisfa, o non arriva entro questo termine, puoi rivolgerti all'IVASS "
               "(www.ivass.it, Via del Quirinale 21, 00187 Roma).\n")
    return (
        f"Area Clienti: {kind} {number}",
        f"Gentile cliente,\n\nabbiamo ricevuto {what} con il numero {number}.\n{due}\n"
        f"Leggi la conversazione e scrivici ancora da qui, senza accedere:\n\n{url}\n\n"
        "Il link è personale: non inoltrarlo." + SIGNATURE,
    )


def assistance_answer_email(number: str, answer: str, url: str) -> tuple[str, str]:
    return (
        f"Area Clienti: risposta alla richiesta {number}",
        f"Gentile cliente,\n\nun nostro operatore ha risposto alla tua richiesta {number}:\n\n{answer}\n\n"
        f"Per rispondere o leggere tutta la conversazione apri questo link, senza accedere:\n\n{url}" + SIGNATURE,
    )
