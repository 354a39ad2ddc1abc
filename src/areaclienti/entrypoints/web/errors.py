"""Domain errors as messages a customer understands (Italian first, through Flask-Babel)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.numbers import format_currency as babel_currency
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from areaclienti.domain.errors import DomainError

ROME = ZoneInfo("Europe/Rome")


def local_time(moment: datetime) -> str:
    return moment.astimezone(ROME).strftime("%H:%M")


def message_for(error: DomainError) -> str:
    code, p = error.code, error.params
    reason = p.get("reason")
    if code == "tax_code_invalid":
        return {
            "empty": _("Inserisci il codice fiscale."),
            "length": _("Il codice fiscale deve avere 16 caratteri: controlla di averlo scritto per intero."),
            "checksum": _("Il codice fiscale non è valido: controlla il carattere finale."),
        }.get(reason, _("Il codice fiscale non è valido: controlla di averlo scritto correttamente."))
    if code == "vat_number_invalid":
        return {
            "checksum": _("La partita IVA non è valida: controlla l'ultima cifra."),
        }.get(reason, _("La partita IVA deve avere 11 cifre."))
    if code == "party_id_invalid":
        return _("Inserisci il codice fiscale o, per le società, la partita IVA.")
    if code == "mobile_invalid":
        return {
            "empty": _("Inserisci il numero di cellulare."),
            "not_mobile": _("Il numero indicato non è un cellulare: inserisci un numero di cellulare."),
        }.get(reason, _("Il numero di cellulare non è valido: controlla prefisso e cifre."))
    if code == "otp_invalid":
        left = p.get("attempts_left")
        if left:
            return ngettext("Il codice non è corretto o è scaduto. Ti resta %(num)d tentativo.",
                            "Il codice non è corretto o è scaduto. Ti restano %(num)d tentativi.", left)
        return _("Il codice non è corretto o è scaduto.")
    if code == "otp_send_refused":
        return _("Hai richiesto troppi codici in poco tempo. Potrai chiederne uno nuovo dalle %(time)s.",
                 time=local_time(p["retry_after"]))
    if code == "temporarily_locked":
        return _("Troppi tentativi non riusciti: per sicurezza potrai riprovare dalle %(time)s. "
                 "Se non ricordi la password usa «password dimenticata?».", time=local_time(p["retry_after"]))
    if code == "password_too_short":
        return _("La password deve avere almeno %(n)d caratteri.", n=p.get("min_length", 12))
    if code == "password_too_long":
        return _("La password può avere al massimo %(n)d caratteri.", n=p.get("max_length", 128))
    if code in ("file_missing", "file_empty", "file_too_large", "file_type_not_allowed", "file_unreadable",
                "file_active_content", "file_too_many_pixels"):
        return _file_message(code, p)
    if code == "document_number_invalid":
        return _("Il numero del documento non ha la forma giusta per questo tipo di documento "
                 "(per esempio %(example)s): controlla di averlo copiato per intero.", example=p.get("example", ""))
    if code == "document_expired":
        return _("Il documento è scaduto: per identificarti serve un documento in corso di validità.")
    if code == "keyword_changed":  # a retake elsewhere drew a new keyword: the video says the old one
        return _("Nuova registrazione: pronuncia la nuova parola chiave «%(keyword)s».", keyword=p.get("keyword", ""))
    if code == "identification_incomplete":
        return {
            "video": _("Prima registra il video selfie."),
            "document": _("Prima indica tipo, numero e scadenza del documento."),
            "files": _("Carica il documento: fronte e retro in due file, oppure un unico file."),
        }.get(p.get("missing"), _("Completa prima i passaggi precedenti."))
    if code == "identification_not_allowed":
        return {
            "no_mobile": _("Non abbiamo un numero di cellulare a cui inviare il codice di conferma: "
                           "contatta l'assistenza."),
        }.get(p.get("why"), _("Questa operazione non è possibile in questo momento."))
    if code == "function_not_available":
        return refusal_message(p.get("refusal"), p.get("live_from"), p.get("gate"))
    if code == "amount_out_of_range":
        if p.get("minimum") is not None and p.get("maximum") is not None:
            return _("Indica un importo in euro tra %(minimum)s e %(maximum)s, con al massimo due decimali.",
                     minimum=format_euro(p["minimum"]), maximum=format_euro(p["maximum"]))
        return _("Indica un importo in euro entro i limiti previsti per questa polizza.")
    if code == "questionnaires_invalid":
        return _("Alcune risposte ai questionari mancano o non sono valide: controlla le domande indicate.")
    if code == "questionnaire_outdated":
        return _("Il questionario «%(title)s» è stato aggiornato: rileggi le domande e rispondi alla nuova "
                 "versione.", title=questionnaire_title(p.get("questionnaire")))
    if code.startswith("assistance_"):
        return _assistance_message(code, p)
    if code in SUSPENSION_CODES:
        return _suspension_message(code, p)
    if code in ("claim_date_in_future", "claim_date_outside_cover", "claim_kind_not_covered", "too_many_files",
                "claim_incomplete", "iban_invalid"):
        return _claim_message(code, p)
    if code in ("surrender_too_early", "partial_surrender_not_allowed", "partial_surrender_out_of_range",
                "iban_holder_missing"):
        return _surrender_message(code, p)
    fixed = {
        "policy_data_mismatch": _("I dati inseriti non corrispondono a una polizza a te intestata: controlla il "
                                  "codice fiscale (o la partita IVA) e il numero di polizza."),
        "role_does_not_qualify": _("Per registrarti devi essere contraente, aderente o avente diritto "
                                   "all'attestato di rischio della polizza indicata: chi è solo assicurato o "
                                   "beneficiario non può registrarsi con questa polizza."),
        "policy_too_old": _("La polizza indicata è scaduta da più di 24 mesi: per registrarti usa una polizza "
                            "in vigore o scaduta da meno di 24 mesi."),
        "already_registered": _("Risulti già registrato ad Area Clienti: accedi con email e password, oppure "
                                "usa «password dimenticata?»."),
        "legacy_account_exists": _("Risulti già registrato alla precedente Area Clienti: non serve una nuova "
                                   "registrazione. Usa «Primo accesso» con la tua email per creare le nuove "
                                   "credenziali."),
        "privacy_not_accepted": _("Per proseguire devi prendere visione dell'informativa sul trattamento dei dati "
                                  "personali e accettarla."),
        "email_invalid": _("L'indirizzo email non è valido: controlla di averlo scritto per intero "
                           "(per esempio nome@dominio.it)."),
        "email_in_use": _("Questo indirizzo email è già usato da un altro profilo Area Clienti: indicane un altro."),
        "flow_expired": _("La procedura è scaduta o non è più valida: ricomincia dall'inizio."),
        "contact_unchanged": _("È già il dato del tuo profilo: indicane uno diverso."),
        "session_in_use": _("È l'accesso che stai usando: per chiuderlo esci dall'area riservata."),
        "otp_attempts_exhausted": _("Hai esaurito i tentativi per questo codice: richiedine uno nuovo."),
        "password_too_common": _("Questa password è tra le più usate e facili da indovinare: scegline un'altra."),
        "password_contains_personal_data": _("La password non può contenere il tuo codice fiscale (o la partita IVA) "
                                             "né la tua email."),
        "passwords_do_not_match": _("Le due password non coincidono."),
        "wrong_current_password": _("La password attuale non è corretta."),
        "invalid_credentials": _("Email o password non corretti."),
        "link_invalid": _("Il link non è valido o è scaduto: ogni link si può usare una sola volta. "
                          "Richiedine uno nuovo."),
        "not_found": _("La pagina che cerchi non esiste."),
        "privacy_consent_required": _("Il consenso al trattamento dei dati personali serve per usare l'area "
                                      "riservata: non si può revocare finché il profilo è attivo. Per revocarlo "
                                      "chiedi la chiusura del profilo al servizio clienti."),
        "invalid_transition": _("Questa operazione non è possibile in questo momento: ricomincia dall'inizio."),
        "document_number_characters": _("Il numero del documento può contenere solo lettere e cifre."),
        "document_expiry_implausible": _("La data di scadenza non è plausibile: controlla l'anno."),
        "identification_already_submitted": _("Hai già inviato video selfie e documento: la verifica è in corso e "
                                              "non è più possibile modificarli."),
        "rejection_note_required": _("Scrivi il motivo del rifiuto nel campo note."),
        "totp_invalid": _("Il codice non è corretto o è già stato usato: attendi il prossimo codice dell'app "
                          "e riprova."),
        "operator_exists": _("Esiste già un operatore con questa email."),
        "receipts_invalid": _("Scegli almeno una quietanza da pagare tra quelle aperte: una di quelle scelte "
                              "potrebbe essere stata pagata nel frattempo."),
        "receipt_already_in_payment": _("Una delle quietanze scelte è già in pagamento con un'altra richiesta: "
                                        "la trovi in «Le mie richieste»."),
        "payment_method_not_allowed": _("Scegli uno dei metodi di pagamento proposti per questa polizza."),
        "payment_service_unavailable": _("Il servizio di pagamento non è raggiungibile in questo momento: non "
                                         "abbiamo registrato nulla, riprova tra qualche minuto."),
    }
    return fixed.get(code, _("Non è stato possibile completare l'operazione."))


def _assistance_message(code: str, p: dict) -> str:
    """R-ASS-1: the contact form and the thread (times in Italian time)."""
    if code == "assistance_text_missing":
        return _("Scrivi il tuo messaggio.")
    if code == "assistance_text_too_long":
        return _("Il messaggio è troppo lungo: usa al massimo %(max)d caratteri (ne hai scritti %(length)d).",
                 max=p.get("max") or 0, length=p.get("length") or 0)
    if code == "assistance_ticket_closed":
        return _("Questa richiesta è chiusa e non si può più rispondere: scrivici di nuovo con una nuova "
                 "richiesta, indicando questo numero.")
    if code == "assistance_too_many" and p.get("retry_at"):
        return _("Abbiamo ricevuto troppe richieste in poco tempo da qui: per proteggere il servizio, riprova "
                 "dopo le %(time)s (ora italiana).", time=local_time(p["retry_at"]))
    return _("Abbiamo ricevuto molte richieste in poco tempo da qui: riprova più tardi.")


SUSPENSION_CODES = frozenset({"policy_already_suspended", "policy_not_suspended", "suspension_already_scheduled",
                              "suspension_already_started", "day_missing", "suspension_in_the_past",
                              "too_many_suspensions", "reactivation_out_of_range"})


def _suspension_message(code: str, p: dict) -> str:
    """R-DISP-SUSP: suspending, reactivating and withdrawing (Italian days and times)."""
    if code == "policy_already_suspended":
        return _("La polizza è già sospesa: puoi riattivarla.")
    if code == "policy_not_suspended":
        return _("La polizza è in vigore, non sospesa: non c'è nulla da riattivare.")
    if code == "suspension_already_scheduled":
        if p.get("starts_at"):
            return _("Hai già una richiesta programmata dal %(date)s alle %(time)s (ora italiana): la trovi in "
                     "«Le mie richieste». Una sospensione si può ritirare fino a quando inizia.",
                     date=format_date(p["starts_at"].astimezone(ROME).date(), "d MMMM y"),
                     time=local_time(p["starts_at"]))
        return _("Hai già una richiesta programmata su questa polizza: la trovi in «Le mie richieste».")
    if code == "suspension_already_started":
        return _("La sospensione non si può più ritirare: è già iniziata (oppure la richiesta non è una "
                 "sospensione programmata). Per far ripartire la copertura chiedi la riattivazione.")
    if code == "day_missing":
        if p.get("reason") == "invalid_day":
            return _("La data non è valida: sceglila dal calendario oppure scrivila come gg/mm/aaaa.")
        if p.get("reason") == "invalid_hour":
            return _("L'ora non è valida: scrivila come hh:mm, per esempio 14:00, oppure lascia il campo vuoto.")
        return _("Indica il giorno da cui vale la richiesta.")
    if code == "suspension_in_the_past":
        return _("Il giorno e l'ora indicati sono già passati: scegli un momento da adesso in poi (ora italiana).")
    if code == "too_many_suspensions":
        return ngettext("Il contratto prevede al massimo %(num)d sospensione per anno solare, e l'hai già usata.",
                        "Il contratto prevede al massimo %(num)d sospensioni per anno solare, e le hai già usate.",
                        p.get("max") or 0)
    if p.get("earliest") and p.get("latest"):  # reactivation_out_of_range
        return _("Puoi riattivare la polizza dal %(earliest)s al %(latest)s: scegli un giorno in questo periodo.",
                 earliest=format_date(p["earliest"], "d MMMM y"), latest=format_date(p["latest"], "d MMMM y"))
    return _("Il giorno scelto è fuori dal periodo in cui la polizza si può riattivare.")


def _claim_message(code: str, p: dict) -> str:
    if code == "claim_date_in_future":
        return _("La data del sinistro non può essere nel futuro.")
    if code == "claim_date_outside_cover":
        if p.get("first") and p.get("last"):
            return _("La data del sinistro deve essere compresa nel periodo di copertura della polizza: dal "
                     "%(first)s al %(last)s.", first=format_date(p["first"], "d MMMM y"),
                     last=format_date(p["last"], "d MMMM y"))
        return _("La data del sinistro è fuori dal periodo di copertura della polizza.")
    if code == "claim_kind_not_covered":
        return _("Scegli il tipo di sinistro tra quelli coperti da questa polizza.")
    if code == "too_many_files":
        return _("Puoi allegare al massimo %(max)d file: rimuovine qualcuno prima di aggiungerne altri.",
                 max=p.get("max") or 0)
    if code == "iban_invalid":
        return _("L'IBAN non è valido: controlla di averlo copiato per intero (per esempio IT60 X054 2811 1010 "
                 "0000 0123 456).")
    return {
        "event_date": _("Indica la data del sinistro."),
        "description": _("Descrivi brevemente che cosa è successo."),
        "iban_holder": _("Indica l'intestatario del conto su cui ricevere la liquidazione."),
        "document": _("Indica che documento stai caricando."),
        "files": _("Scegli almeno un file da aggiungere."),
        "too_long": _("Il testo è troppo lungo: usa al massimo 2000 caratteri per la descrizione e 200 per il "
                      "luogo."),
    }.get(p.get("missing"), _("Mancano alcune informazioni sul sinistro: controlla i campi indicati."))


def _surrender_message(code: str, p: dict) -> str:
    if code == "surrender_too_early":
        if p.get("possible_from"):
            return _("Il riscatto sarà possibile dal %(date)s: prima non è ancora trascorso il periodo minimo "
                     "previsto dal contratto.", date=format_date(p["possible_from"], "d MMMM y"))
        return _("Il riscatto non è ancora possibile: non è trascorso il periodo minimo previsto dal contratto.")
    if code == "partial_surrender_not_allowed":
        return _("Questa polizza consente solo il riscatto totale.")
    if code == "partial_surrender_out_of_range":
        minimum, maximum, value = p.get("minimum"), p.get("maximum"), p.get("value")
        if minimum is None or maximum is None or value is None:
            return _("Indica un importo in euro entro i limiti del riscatto parziale.")
        if Decimal(maximum) < Decimal(minimum):
            return _("Il valore di riscatto di oggi, %(value)s, non consente un riscatto parziale: puoi chiedere "
                     "il riscatto totale.", value=format_euro(value))
        return _("Indica un importo tra %(minimum)s e %(maximum)s, con al massimo due decimali: il valore di "
                 "riscatto di oggi è %(value)s e sulla polizza deve restare almeno %(residual)s.",
                 minimum=format_euro(minimum), maximum=format_euro(maximum), value=format_euro(value),
                 residual=format_euro(Decimal(value) - Decimal(maximum)))
    return _("Indica l'intestatario del conto su cui ricevere l'accredito.")


def _file_message(code: str, p: dict) -> str:
    name = p.get("name") or ""
    video = p.get("role") == "video"
    if code == "file_missing":
        return _("Scegli il file del video.") if video else _("Scegli il file del documento.")
    if code == "file_empty":
        if video:
            return _("Il video è vuoto o troppo breve: registralo di nuovo.")
        return _("Il file «%(name)s» è vuoto: scegline un altro.", name=name)
    if code == "file_too_large":
        mb = p.get("max_mb") or 0
        if video:
            if not mb:
                return _("Il video è troppo grande: registrane uno più breve.")
            return _("Il video supera %(mb)d MB: registrane uno più breve.", mb=mb)
        if not mb:
            return _("Il file «%(name)s» è troppo grande: scegline uno più leggero.", name=name)
        return _("Il file «%(name)s» supera %(mb)d MB: scegline uno più leggero.", name=name, mb=mb)
    if code == "file_unreadable":
        return _("Il file «%(name)s» non si riesce ad aprire: potrebbe essere danneggiato o incompleto. Salvalo di "
                 "nuovo, oppure scegli una foto del documento (JPEG o PNG).", name=name)
    if code == "file_active_content":
        if p.get("why") == "encrypted":
            return _("Il PDF «%(name)s» è protetto da password o cifrato, e non possiamo controllarne il contenuto: "
                     "invia una copia senza protezione, oppure una foto del documento (JPEG o PNG).", name=name)
        return _("Il PDF «%(name)s» contiene elementi che si attivano all'apertura (script, azioni automatiche, "
                 "moduli XFA o file allegati) e per sicurezza non lo accettiamo: invia una scansione o una foto "
                 "del documento (JPEG o PNG), oppure un PDF semplice.", name=name)
    if code == "file_too_many_pixels":
        return _("L'immagine «%(name)s» ha troppi pixel (più di %(mp)d milioni): scegline una a risoluzione più "
                 "bassa.", name=name, mp=p.get("max_megapixels") or 0)
    if video:
        return _("Il file inviato non è un video registrato (WebM o MP4).")
    return _("Il file «%(name)s» non è un'immagine JPEG o PNG né un PDF: il tipo si riconosce dal contenuto, "
             "non dal nome.", name=name)


def refusal_message(refusal: str | None, live_from: date | None = None, gate: str | None = None,
                    policy_status: str | None = None) -> str:
    """Why a function is not available on a policy today (domain.availability.Refusal), as the customer reads it."""
    if refusal == "not_live_yet" and live_from is not None:
        return _("Disponibile dal %(date)s", date=format_date(live_from, "d MMMM y"))
    if refusal == "role":
        return _("Il tuo ruolo sulla polizza non consente questa operazione.")
    if refusal == "policy_state":
        if policy_status == "suspended":
            return _("La polizza è sospesa: questa operazione non è disponibile finché non viene riattivata.")
        if policy_status in ("expired", "cancelled"):
            return _("La polizza non è più in vigore: questa operazione non è disponibile.")
        return _("Lo stato della polizza non consente questa operazione.")
    if refusal == "identification":
        return {
            "not_identified": _("Per le operazioni online verifica prima la tua identità con il video selfie."),
            "in_progress": _("Completa l'identificazione con il video selfie che hai iniziato: poi potrai usare "
                             "questa funzione."),
            "under_review": _("Stiamo verificando la tua identità: potrai usare questa funzione appena la verifica "
                              "sarà completata."),
            "document_expired": _("Il tuo documento d'identità è scaduto: aggiornalo per usare le operazioni "
                                  "online."),
        }.get(gate or "", _("Per le operazioni online serve un'identità verificata."))
    if refusal == "not_offered":
        return _("Questa operazione non è disponibile online per questa polizza.")
    return _("Questa operazione non è disponibile in questo momento.")


REQUIRED = "required"


def field_message(field: str, kind: str) -> str:
    """Messages for input that never reached the use case (missing or malformed fields)."""
    if field == "document_type":
        return _("Scegli il tipo di documento: carta d'identità, patente o passaporto.")
    if field == "document_number":
        if kind == REQUIRED:
            return _("Inserisci il numero del documento.")
        return _("Il numero del documento è troppo lungo: controlla di averlo copiato correttamente.")
    if field == "expires_on":
        if kind == REQUIRED:
            return _("Inserisci la data di scadenza del documento.")
        return _("La data di scadenza non è valida: scegli il giorno dal calendario oppure scrivila come "
                 "gg/mm/aaaa.")
    if kind == REQUIRED:
        return _("Compila questo campo.")
    return _("Il valore inserito non è valido.")


def format_euro(amount) -> str:
    """An amount in the request's language: 15.000,00 € in Italian, also outside a request (the OpenAPI
    document's examples)."""
    return babel_currency(Decimal(amount), "EUR", locale=get_locale() or "it")


def questionnaire_title(code: str | None) -> str:
    from areaclienti.domain.questionnaires import QuestionnaireCode, current

    try:
        return current(QuestionnaireCode(code)).title
    except ValueError:
        return code or ""


def questionnaire_errors(problems: dict[str, dict[str, str]]) -> dict[str, str]:
    """QuestionnairesInvalid's problems as one message per question, keyed ``questionnaire.question``."""
    return {f"{code}.{question}": questionnaire_problem_message(code, question, problem)
            for code, by_question in problems.items() for question, problem in by_question.items()}


def questionnaire_problem_message(code: str, question: str, problem: str) -> str:
    """What is wrong with one answer (domain.questionnaires.validate's problems), as the customer reads it."""
    if problem == "required":
        if question == "us_tin":
            return _("Hai indicato la cittadinanza o la residenza fiscale statunitense: inserisci il codice "
                     "fiscale statunitense (SSN, ITIN o EIN).")
        if question.endswith("_no_tin_reason"):
            return _("Indica perché non hai un codice di identificazione fiscale in questo paese.")
        return _("Rispondi a questa domanda.")
    if problem == "not_an_option":
        return _("Scegli una delle risposte proposte.")
    if problem == "too_long":
        return _("La risposta è troppo lunga: usa al massimo 200 caratteri.")
    if problem == "country_invalid":
        return _("Scegli un paese dall'elenco.")
    if problem == "tin_invalid":
        if question == "us_tin":
            return _("Il codice fiscale statunitense non è valido: servono 9 cifre (per esempio 123-45-6789).")
        return _("Il codice di identificazione fiscale non è valido per il paese indicato: controlla di averlo "
                 "copiato per intero.")
    return _("La risposta non è valida.")


def amount_problem(amount: str, minimum, maximum) -> str | None:
    """What is wrong with the amount typed for a Vita additional payment, with the product's limits; None if
    nothing. Typed the Italian way (``1.500,50``) or not (``1500.50``, ``€ 2000``): see ``typed_amount``."""
    text = typed_amount(amount)
    if not text:
        return _("Indica l'importo che vuoi versare, tra %(minimum)s e %(maximum)s.",
                 minimum=format_euro(minimum), maximum=format_euro(maximum))
    try:
        value = Decimal(text)
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite() or value != value.quantize(Decimal("0.01")):
        return _("Scrivi l'importo in euro con al massimo due decimali, per esempio 1.500,00.")
    if value < Decimal(minimum):
        return _("L'importo minimo di un versamento aggiuntivo online è %(minimum)s.", minimum=format_euro(minimum))
    if value > Decimal(maximum):
        return _("L'importo massimo di un versamento aggiuntivo online è %(maximum)s: per importi maggiori "
                 "rivolgiti all'assistenza.", maximum=format_euro(maximum))
    return None


def typed_amount(amount: str | None) -> str:
    """An amount as typed, in the form ``1500.50``: a comma makes it Italian (dots then group thousands)."""
    text = (amount or "").replace("€", "").replace(" ", "").replace("\u00a0", "").strip()
    return text.replace(".", "").replace(",", ".") if "," in text else text


def tin_problem(country: str, country_name: str) -> str:
    """A tax identification number that is not one of ``country`` (ISO code), the answer just above it."""
    if country == "IT":
        return _("Il codice fiscale italiano non è valido: controlla di averlo scritto per intero (16 caratteri) "
                 "e il carattere finale.")
    return _("Il codice non è un codice di identificazione fiscale valido per %(country)s: controlla di averlo "
             "copiato per intero.", country=country_name)
