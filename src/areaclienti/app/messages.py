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
    ended = " Per sicurezza abbiamo chiuso tutte le altre sessioni aperte." if others_ended else ""
    return (
        "Area Clienti: la tua password è stata modificata",
        f"{_greeting(name)}\n\nla password del tuo profilo Area Clienti è stata modificata il {when} (UTC).{ended}\n\n"
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


def email_already_registered_email(login_url: str) -> tuple[str, str]:
    return (
        "Area Clienti: questo indirizzo ha già un profilo",
        f"{_greeting(None)}\n\nabbiamo ricevuto una richiesta di registrazione ad Area Clienti con questo "
        "indirizzo email, che è già associato a un profilo.\n\n"
        f"Se eri tu, accedi da {login_url} con la tua password oppure usa «password dimenticata?».\n"
        "Per registrare un altro codice fiscale o un'altra partita IVA indica un indirizzo email diverso.\n\n"
        "Se non sei stato tu, ignora questo messaggio: il tuo profilo non è stato modificato." + SIGNATURE,
    )
