//! The pages' common parts as maud templates (escaped automatically, checked at compile
//! time): the one page shell of the public and restricted areas, the nb/en message table,
//! and typed views of published figures (a value, or the symbol of why there is none).

use akutt_disclosure::Public;
use akutt_indicators::{GroupValue, Indicator, PublicFigure, PublicValues};
use maud::{html, Markup, PreEscaped, Render, DOCTYPE};

use crate::auth::User;
use crate::AppState;

/// Declares [`Msg`], the texts of the pages in bokmål and English, one line each.
macro_rules! messages {
    ($( $variant:ident = $nb:literal, $en:literal; )*) => {
        /// Every fixed text of the pages.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Msg { $( $variant, )* }

        impl Msg {
            pub const ALL: &'static [Msg] = &[$(Msg::$variant),*];

            pub fn nb(self) -> &'static str {
                match self { $(Msg::$variant => $nb,)* }
            }

            pub fn en(self) -> &'static str {
                match self { $(Msg::$variant => $en,)* }
            }
        }
    };
}

messages! {
    Synthetic = "SYNTETISKE DATA – ingen virkelige personer eller hendelser",
        "SYNTHETIC DATA – no real persons or incidents";
    Overview = "Nasjonal oversikt", "National overview";
    OverviewTitle = "Akuttmedisinsk kommunikasjon – nasjonal oversikt",
        "Emergency medical dispatch – national overview";
    Map = "Kart", "Map";
    Definitions = "Definisjoner", "Definitions";
    Benchmark = "Sammenligning med NEMSIS", "NEMSIS benchmark";
    OtherLanguage = "English", "Norsk";
    From = "Fra", "From";
    To = "til", "to";
    Show = "Vis", "Show";
    DataVersion = "Dataversjon", "Data version";
    Incidents = "Hendelser", "Incidents";
    AmbulanceMissions = "Ambulanseoppdrag", "Ambulance missions";
    Missions = "Oppdrag", "Missions";
    ResponseRedMedian = "Responstid rød, median", "Response time red, median";
    WithinUrban = "Innen 12 min, tettbygd", "Within 12 min, urban";
    WithinRural = "Innen 25 min, spredtbygd", "Within 25 min, rural";
    WithinUrbanColumn = "Innen 12 min (tettbygd)", "Within 12 min (urban)";
    WithinRuralColumn = "Innen 25 min (spredtbygd)", "Within 25 min (rural)";
    Target90 = "mål 90 %", "target 90 %";
    IncidentsPerMonth = "Hendelser per måned", "Incidents per month";
    Month = "Måned", "Month";
    Table = "Tabell", "Table";
    Centre = "Sentral", "Centre";
    Id = "Id", "Id";
    TheCentres = "Sentralene", "The centres";
    NoiseNote = "Tallene er beskyttet med cellenøkkelmetoden: hvert antall har et lite, fast støyledd (høyst ±3), så summer ikke alltid er lik summen av delene. : = skjult (under 5 etter støy), .. = ingen data, 0 = null.",
        "Figures are protected by the cell-key method: each count carries a small fixed noise (at most ±3), so totals need not equal the sum of their parts. : = suppressed (under 5 after noise), .. = no data, 0 = zero.";
    DefResponseTime = "Fra første henvendelse til første bilambulanse er fremme, røde hendelser, ikke bestilte turer eller feilringinger. Median og 90-persentil (nærmeste rang).",
        "From the first contact to the first road ambulance at the scene, red incidents, not pre-booked transports or misdials. Median and 90th percentile (nearest rank).";
    DefWithinTarget = "Andel røde hendelser med responstid inntil 12 minutter i tettbygd og 25 minutter i spredtbygd strøk. Nasjonalt mål: 90 %.",
        "Share of red incidents reached within 12 minutes (urban) or 25 minutes (rural). National target: 90 %.";
    DefReaction = "Fra første henvendelse på 113 til første varsling av en ressurs, etter hastegrad.",
        "From the first contact on 113 to the first alert of a resource, by urgency.";
    DefAlertToArrival = "Fra varsling til fremme for den bilambulansen som kom først.",
        "From alert to arrival of the first-arriving road ambulance.";
    DefVolume = "Henvendelser, hendelser og ambulanseoppdrag; per 1000 innbyggere og endring fra samme periode året før.",
        "Contacts, incidents and ambulance missions; per 1000 inhabitants and change from the same period a year earlier.";
    DefMissionTime = "Fra varslet til ledig per oppdrag, og sum ambulansetimer.",
        "From alert to free per mission, and total unit-hours.";
    DefAnswerTime = "113-anrop: ventetid fra anropet ringer i køen til det besvares, i hele sekunder (median og 90-persentil); andel besvart innen 10 sekunder av besvarte og avbrutte etter mer enn 5 sekunder (mål 90 %). Avbrutt innen 5 sekunder regnes som feilringing; overflyttede anrop telles hos sentralen som tok dem.", "113 calls: wait from ringing in the queue to answer, in whole seconds (median and 90th percentile); share answered within 10 seconds of answered calls and calls abandoned after more than 5 seconds (target 90 %). Abandoned within 5 seconds counts as a misdial; overflowed calls count at the centre that took them.";
    CellKeyHeading = "Personvern: cellenøkkelmetoden", "Confidentiality: the cell-key method";
    CellKeyText = "Ingen offentlig tabell skal kunne avsløre enkeltpersoner, heller ikke når man trekker tabeller fra hverandre (januar–mars minus januar–februar). Derfor får hvert antall et lite støyledd før det publiseres: hver hendelse (og henvendelse, oppdrag, anrop) har en fast, tilfeldig nøkkel; en celles nøkkel er summen av nøklene til det den teller, og tabellen under gir støyen for (sant antall, cellens nøkkel). Samme hendelser gir derfor alltid samme tall, uansett spørring. Støyen er høyst ±{d}, i snitt 0, med varians {v}; 0 forblir 0. Antall under {threshold} etter støy vises som «:» (skjult), «..» betyr ingen data. Andeler, rater og endringer regnes av de publiserte antallene; median og persentiler vises bare der antallet er minst {threshold}. Nasjonale tall avviker derfor med høyst {d} fra de eksakte, og en sum er ikke alltid lik summen av delene. Eksakte tall finnes bare i det lukkede området. Metoden er Australian Bureau of Statistics' (TableBuilder), også brukt for folketellingen 2021 i England og Wales.",
        "No public table may disclose a person, not even when tables are subtracted from each other (January–March minus January–February). Every count therefore gets a small noise before it is published: every incident (and contact, mission, call) has a fixed random key; a cell's key is the sum of the keys of what it counts, and the table below gives the noise for (true count, cell key). The same incidents always give the same figure, whatever the query. The noise is at most ±{d}, 0 on average, with variance {v}; 0 stays 0. Counts under {threshold} after noise show as ':' (suppressed), '..' means no data. Shares, rates and changes are computed from the published counts; medians and percentiles are shown only where the count is at least {threshold}. National figures therefore differ from the exact ones by at most {d}, and a total need not equal the sum of its parts. Exact figures are only in the restricted area. The method is the Australian Bureau of Statistics' (TableBuilder), also used for the 2021 census of England and Wales.";
    PTableIntro = "Perturbasjonstabellen: sannsynligheten for hver støyverdi gitt sant antall (maksimal entropi, middelverdi 0).",
        "The perturbation table: the probability of each noise given the true count (maximum entropy, mean 0).";
    TrueCount = "Sant antall", "True count";
    MapMedian = "Responstid rød, median (minutter)", "Response time red, median (minutes)";
    MapPer1000 = "Ambulanseoppdrag per 1000 innbyggere", "Ambulance missions per 1000 inhabitants";
    MapTraffic = "Trafikkulykker per 1000 innbyggere (indekskriterium kapittel 34)", "Traffic accidents per 1000 inhabitants (index criterion chapter 34)";
    TrafficAccidents = "trafikkulykker", "traffic accidents";
    MapShare = "Andel røde hendelser innen 12/25 min (%)", "Share of red incidents within 12/25 min (%)";
    NoBoundaries = "Ingen kartgrenser for kommunestrukturen", "No boundaries for the municipality structure";
    ResponseTime = "responstid", "response time";
    ShareWithinTarget = "andel innen frist", "share within target";
    MissionsPer1000 = "oppdrag per 1000", "missions per 1000";
    Structure = "struktur", "structure";
    Municipalities = "Kommuner", "Municipalities";
    Municipality = "Kommune", "Municipality";
    Note = "Merk:", "Note:";
    MapFootnote = "Skravert: ingen data eller skjult (færre enn 5). Kart: Kartverket, CC BY 4.0.",
        "Hatched: no data or withheld (under 5). Map: Kartverket, CC BY 4.0.";
    BenchmarkTitle = "Nordisk-amerikansk sammenligning", "Nordic-American benchmark";
    BenchmarkIntro = "Felles nøkkeltall for norske AMK-data og det amerikanske NEMSIS v3.5-datasettet, beregnet på samme måte på begge sider. Les forbeholdene før tallene sammenlignes.",
        "Common key figures for Norwegian dispatch data and the US NEMSIS v3.5 dataset, computed the same way on both sides. Read the caveats before comparing.";
    Norway = "Norge", "Norway";
    NorwayColon = "Norge:", "Norway:";
    RecordsRead = "Poster lest", "Records read";
    EmergencyIncidents = "Hastehendelser (rød / 911 utrykning)", "Emergency incidents (red / 911 emergent)";
    CallToScene = "Anrop til fremme", "Call to scene";
    NotifiedToScene = "Varslet til fremme", "Notified to scene";
    Stemi = "STEMI (mulig hjerteinfarkt)", "STEMI";
    Stroke = "Hjerneslag", "Stroke";
    CardiacArrest = "Hjertestans", "Cardiac arrest";
    IncidentsPer1000 = "hendelser (per 1000 hendelser)", "incidents (per 1000 incidents)";
    BenchmarkNoise = "Antallene har et lite, fast støyledd (cellenøkkelmetoden, høyst ±3); antall under {threshold} etter støy er skjult (:), .. betyr ingen data. Dataversjon {version}.",
        "Counts carry a small fixed noise (cell-key method, at most ±3); counts under {threshold} after noise are withheld (:), .. means no data. Data version {version}.";
    Caveats = "Forbehold om sammenlignbarhet", "Caveats on comparability";
    PublicStatistics = "Offentlig statistikk", "Public statistics";
    Submissions = "Innsendinger", "Submissions";
    SignIn = "Logg inn", "Sign in";
    SignOut = "Logg ut", "Sign out";
    Token = "Tilgangsnøkkel", "Token";
    UnknownToken = "Ukjent tilgangsnøkkel", "Unknown token";
    TryAgain = "Prøv igjen", "Try again";
    NoAccess = "Ingen tilgang", "No access";
    SubmitExtract = "Send inn uttrekk", "Submit an extract";
    Submit = "Send inn", "Submit";
    Current = "gjeldende", "current";
    Period = "Periode", "Period";
    Version = "Versjon", "Version";
    Status = "Status", "Status";
    AcceptedIncidents = "Godkjente hendelser", "Accepted incidents";
    Rejected = "Avviste", "Rejected";
    QualityReport = "Datakvalitetsrapport", "Data-quality report";
    FindingsPerRule = "Funn per regel", "Findings per rule";
    Findings = "Funn", "Findings";
    Rule = "Regel", "Rule";
    Line = "Linje", "Line";
    Incident = "Hendelse", "Incident";
    Column = "Kolonne", "Column";
    Value = "Verdi", "Value";
    Message = "Melding", "Message";
    Rows = "rader", "rows";
    IncidentsLower = "hendelser", "incidents";
    Accepted = "godkjent", "accepted";
    RejectedLower = "avvist", "rejected";
    MissionsLower = "oppdrag", "missions";
    Final = "endelig", "final";
    ContactsByChannel = "Henvendelser etter sambandsvei", "Contacts by channel";
    IncidentsByUrgency = "Hendelser etter hastegrad", "Incidents by urgency";
    IncidentsByType = "Hendelser etter hendelsestype", "Incidents by type";
    TertialReport = "Tertialrapport", "Tertial report";
    AnnualReport = "Årsrapport", "Annual report";
    Release = "Publisering", "Release";
    KeyFigures = "Nøkkeltall", "Key figures";
    Change = "endring", "change";
    FiveYears = "Utvikling over fem år", "Development over five years";
    Year = "År", "Year";
    Growth = "vekst", "growth";
    Category = "Kategori", "Category";
    Count = "Antall", "Count";
    Share = "Andel", "Share";
    Revisions = "Revisjoner siden forrige publisering", "Revisions since the previous release";
    NoRevisions = "Ingen publiserte tall er endret.", "No published figure changed.";
    RevisionsAmong = "publiserte tall er endret, blant dem:", "published figures changed, among them:";
    NotYetInReport = "Ennå ikke i denne rapporten: svartid på 113 (anropslogger).", "Not yet in this report: 113 answer times (call logs).";
    ContactsByCaller = "Henvendelser etter innringer", "Contacts by caller type";
    ContactsByWeekday = "Henvendelser etter ukedag", "Contacts by weekday";
    ContactsByHour = "Henvendelser etter time på døgnet", "Contacts by hour of day";
    ContactsLower = "henvendelser", "contacts";
    Places = "Hendelsessteder og leveringssteder", "Incident and delivery places";
    IncidentPlace = "Hentested", "Incident place";
    DeliveryPlace = "Leveringssted", "Delivery place";
    TransferFrom = "Transport fra", "Transport from";
    TransferTo = "til", "to";
    DefPlaces = "Hentested er der hendelsen skjedde eller pasienten ble hentet. Leveringssted er der transporten endte (det første varslede oppdraget som har et leveringssted). Transporter mellom institusjoner: hentet på og levert til sykehus, sykehjem, lege/legevakt eller annen institusjon. Time og ukedag er for første henvendelse, norsk tid.",
        "The incident place is where the incident happened or the patient was picked up. The delivery place is where the transport ended (the first-alerted mission that has a delivery place). Transports between institutions: picked up at and delivered to a hospital, nursing home, doctor or out-of-hours clinic, or other institution. Hour and weekday are of the first contact, Norwegian time.";
    Contacts = "Henvendelser", "Contacts";
    Measure = "Mål", "Measure";
    SmallSample = "† Færre enn {n} hendelser: medianen og 90-persentilen er usikre.", "† Fewer than {n} incidents: the median and 90th percentile are uncertain.";
    Name = "Navn", "Name";
    ExtractFile = "Uttrekksfil (CSV)", "Extract file (CSV)";
    RoadMissions = "Bilambulanseoppdrag", "Road ambulance missions";
    AirMissions = "Luftambulanseoppdrag", "Air ambulance missions";
    RoadAmbulance = "Bilambulanse", "Road ambulance";
    AirAmbulance = "Luftambulanse", "Air ambulance";
    UnitHours = "Ambulansetimer", "Unit-hours";
    Resources = "Oppdrag og ressurskoordinering", "Missions and resource coordination";
    ResponseTimes = "Responstider", "Response times";
    ResponseRedP90 = "Responstid rød, 90-persentil", "Response time red, 90th percentile";
    ReactionRedMedian = "AMK-reaksjonstid rød, median", "Dispatch reaction time red, median";
    ReactionByUrgency = "AMK-reaksjonstid etter hastegrad", "Dispatch reaction time by urgency";
    Median = "Median", "Median";
    P90 = "90-persentil", "90th percentile";
    MonthlyTrend = "Utvikling måned for måned", "Month by month";
    IncidentsPerYear = "Hendelser per år", "Incidents per year";
    DataQuality = "Datakvalitet per sentral", "Data quality per centre";
    DataQualityNote = "Fra uttrekkene publiseringen bygger på: måneder levert i perioden, andel hendelser avvist av kontrollreglene (E-regler) og advarsler (W-regler) per 1000 godkjente hendelser. Bare andeler vises; : = færre enn 5 hendelser.",
        "From the extracts the release is built on: months delivered in the period, the share of incidents rejected by the validation rules (E rules) and warnings (W rules) per 1000 accepted incidents. Shares only; : = fewer than 5 incidents.";
    MonthsDelivered = "Måneder levert", "Months delivered";
    RejectedShare = "Avviste hendelser", "Rejected incidents";
    WarningsPer1000 = "Advarsler per 1000", "Warnings per 1000";
    Provisional = "foreløpig", "provisional";
    NothingReleased = "Ingen tall er publisert ennå. Registeret publiserer tall når en publisering er laget.",
        "Nothing is published yet. The registry publishes figures when it makes a release.";
    ReleaseLine = "Publisering {id} ({date}, dataversjon {version}): tall til og med {through}.",
        "Release {id} ({date}, data version {version}): figures through {through}.";
    FinalThrough = "Endelige tall til og med {final}; senere måneder er foreløpige.",
        "Final figures through {final}; later months are provisional.";
    AllProvisional = "Alle måneder er foreløpige.", "All months are provisional.";
    Unreleased = "ikke publisert", "unreleased";
    Released = "Publisert", "Released";
}

/// The definition of an indicator in plain words (DOMAIN.md §8).
pub fn definition(id: Indicator) -> Msg {
    match id {
        Indicator::ResponseTime => Msg::DefResponseTime,
        Indicator::ResponseWithinTarget => Msg::DefWithinTarget,
        Indicator::AmkReactionTime => Msg::DefReaction,
        Indicator::AlertToArrival => Msg::DefAlertToArrival,
        Indicator::Volume => Msg::DefVolume,
        Indicator::MissionTime => Msg::DefMissionTime,
        Indicator::AnswerTime => Msg::DefAnswerTime,
    }
}

/// The language of a page: bokmål unless `lang=en`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lang {
    pub en: bool,
}

impl Lang {
    pub fn of(param: Option<&str>) -> Lang {
        Lang { en: param == Some("en") }
    }

    pub fn t(self, m: Msg) -> &'static str {
        if self.en {
            m.en()
        } else {
            m.nb()
        }
    }

    /// A text with `{name}` placeholders filled.
    pub fn fill(self, m: Msg, values: &[(&str, String)]) -> String {
        let mut s = self.t(m).to_string();
        for (k, v) in values {
            s = s.replace(&format!("{{{k}}}"), v);
        }
        s
    }

    pub fn code(self) -> &'static str {
        if self.en {
            "en"
        } else {
            "nb"
        }
    }
}

/// Both languages at once (`Logg inn / Sign in`), as the restricted area writes them.
pub fn both(m: Msg) -> String {
    format!("{} / {}", m.nb(), m.en())
}

/// The release a page shows, in one paragraph (DOMAIN.md §12): number, date, data version,
/// last month, which months are final, and its note.
pub fn release_line(lang: Lang, r: &akutt_store::releases::Release) -> Markup {
    html! {
        p id="release" { (release_text(lang, r)) }
    }
}

/// [`release_line`]'s text.
pub fn release_text(lang: Lang, r: &akutt_store::releases::Release) -> String {
    let date = r.created_at.get(..10).unwrap_or(&r.created_at).to_string();
    let line = lang.fill(
        Msg::ReleaseLine,
        &[
            ("id", r.id.to_string()),
            ("date", date),
            ("version", r.data_version.to_string()),
            ("through", r.through.clone()),
        ],
    );
    let finals = match &r.final_through {
        Some(f) => lang.fill(Msg::FinalThrough, &[("final", f.clone())]),
        None => lang.t(Msg::AllProvisional).to_string(),
    };
    if r.note.is_empty() {
        format!("{line} {finals}")
    } else {
        format!("{line} {finals} {}", r.note)
    }
}

/// One style sheet for both areas.
const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem;color:#1b1b1b}\
.banner{background:#ffe08a;padding:.5rem 1rem;font-weight:bold;border:1px solid #c90}\
nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:baseline} main{display:block;overflow-x:auto;clear:both} input,select{max-width:100%} p,li,dd{overflow-wrap:anywhere} svg{height:auto} table{border-collapse:collapse;margin:1rem 0} td,th{border:1px solid #bbb;padding:.25rem .5rem;text-align:right}\
th:first-child,td:first-child{text-align:left} .kpi{display:inline-block;border:1px solid #bbb;padding:.5rem 1rem;margin:.25rem;min-width:12rem}\
.kpi b{font-size:1.6rem;display:block} .miss{color:#a00} .ok{color:#060} svg{max-width:100%}\
.restricted td,.restricted th{text-align:left} td.received{background:#dfd} td.late{background:#ffd} td.missing{background:#fdd} td.rejected{background:#fcb} tr.unreleased td{background:#fdd} tr.changed td{background:#ffd} .who{float:right} .error{color:#a00} .warning{color:#850}\
.print-only{display:none} @media print{nav,form{display:none} .print-only{display:block} .banner{border:2px solid #000} main{overflow:visible}}";

/// Which area a page belongs to: the public dashboard (with its query string, kept across
/// the navigation and the language switch) or the restricted area (with its user).
pub enum Area<'a> {
    Public { query: &'a str },
    Restricted { user: Option<&'a User> },
}

/// The one page shell.
pub fn layout(state: &AppState, lang: Lang, area: Area<'_>, title: &str, body: Markup) -> Markup {
    let restricted = matches!(area, Area::Restricted { .. });
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – Akutt" }
                style { (PreEscaped(STYLE)) }
            }
            body class=[restricted.then_some("restricted")] {
                @if state.config.synthetic {
                    div.banner role="note" { (lang.t(Msg::Synthetic)) }
                }
                @match area {
                    Area::Public { query } => {
                        @let other = if lang.en { query.replace("lang=en", "lang=nb") } else { format!("{query}&lang=en") };
                        nav {
                            a href={ "/?" (query) } { (lang.t(Msg::Overview)) }
                            a href={ "/kart?" (query) } { (lang.t(Msg::Map)) }
                            a href={ "/definisjoner?" (query) } { (lang.t(Msg::Definitions)) }
                            a href={ "/rapporter" (if lang.en { "?lang=en" } else { "" }) } { (if lang.en { "Reports" } else { "Rapporter" }) }
                            a href={ "/sammenligning?" (if lang.en { "lang=en" } else { "" }) } { (lang.t(Msg::Benchmark)) }
                            a href="/api/openapi.json" { "API" }
                            " "
                            a href={ "?" (other) } { (lang.t(Msg::OtherLanguage)) }
                        }
                    }
                    Area::Restricted { user } => {
                        nav {
                            a href="/" { (lang.t(Msg::PublicStatistics)) }
                            " · "
                            a href="/innsendinger" { (lang.t(Msg::Submissions)) }
                            " · "
                            a href="/fullstendighet" { "Fullstendighet" }
                            " · "
                            a href="/mottatt" { "Mottatte tall" }
                            " · "
                            a href="/analyse" { "Analyser" }
                        }
                        @if let Some(u) = user {
                            form.who method="post" action="/logg-ut" {
                                (csrf_field(u))
                                (u.name) " (" (u.role.as_string()) ") "
                                button type="submit" { (lang.t(Msg::SignOut)) }
                            }
                        }
                    }
                }
                // Focusable: a wide table scrolls inside it, and a keyboard must reach the scroll.
                main tabindex="0" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// The hidden form token of a signed-in browser's forms (none for a bearer client).
pub fn csrf_field(user: &User) -> Markup {
    html! {
        @if let Some(t) = &user.csrf {
            input type="hidden" name="csrf" value=(t);
        }
    }
}

/// A published cell as shown: its value formatted, or the symbol of why there is none
/// (`:` withheld, `..` no data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    Value(String),
    Symbol(&'static str),
}

impl Shown {
    /// No figure at all: no data.
    pub const NO_DATA: Shown = Shown::Symbol("..");

    pub fn of<T>(p: &Public<T>, f: impl FnOnce(&T) -> String) -> Shown {
        p.value().map_or_else(|| Shown::Symbol(p.status().symbol()), |v| Shown::Value(f(v)))
    }

    pub fn text(&self) -> &str {
        match self {
            Shown::Value(s) => s,
            Shown::Symbol(s) => s,
        }
    }
}

impl Render for Shown {
    fn render_to(&self, buffer: &mut String) {
        self.text().render_to(buffer);
    }
}

pub fn count(p: &Public<u64>) -> Shown {
    Shown::of(p, u64::to_string)
}

pub fn minutes(p: &Public<i64>) -> Shown {
    #[allow(clippy::cast_precision_loss)] // seconds: far below 2^52
    Shown::of(p, |s| format!("{:.1} min", *s as f64 / 60.0))
}

pub fn percent(p: &Public<f64>) -> Shown {
    Shown::of(p, |s| format!("{:.1} %", s * 100.0))
}

/// A share against the 90 % target, classed `ok` or `miss`.
pub fn share_against_target(p: &Public<f64>) -> Markup {
    match p.value() {
        Some(s) => {
            let class = if *s >= 0.9 { "ok" } else { "miss" };
            html! { span class=(class) { (format!("{:.1} %", s * 100.0)) } }
        }
        None => html! { (p.status().symbol()) },
    }
}

/// Published figures, looked up by indicator and group.
#[derive(Clone, Copy)]
pub struct Figures<'a>(pub &'a [PublicFigure]);

impl<'a> Figures<'a> {
    pub fn of(self, id: Indicator) -> impl Iterator<Item = &'a PublicFigure> {
        self.0.iter().filter(move |f| f.id == id)
    }

    /// The first figure of `id` whose group has every `(key, value)`.
    pub fn find(self, id: Indicator, group: &[(&str, &str)]) -> Option<&'a PublicFigure> {
        self.of(id).find(|f| group.iter().all(|(k, v)| text(f, k) == Some(v)))
    }
}

/// A group value as text (`OSL`, `2024-03`, `0301`).
pub fn text<'a>(f: &'a PublicFigure, key: &str) -> Option<&'a str> {
    match f.group.get(key) {
        Some(GroupValue::Text(s)) => Some(s),
        _ => None,
    }
}

/// The volume counts of a figure (`None` for another indicator).
pub struct VolumeView<'a> {
    pub contacts: &'a Public<u64>,
    pub incidents: &'a Public<u64>,
    pub missions: &'a Public<u64>,
    pub road_missions: &'a Public<u64>,
    pub air_missions: &'a Public<u64>,
    pub per_1000_missions: Option<&'a Public<f64>>,
    pub per_1000_incidents: Option<&'a Public<f64>>,
}

pub fn volume(f: &PublicFigure) -> Option<VolumeView<'_>> {
    match &f.values {
        PublicValues::Volume {
            contacts,
            incidents,
            missions,
            road_missions,
            air_missions,
            per_1000,
            ..
        } => Some(VolumeView {
            contacts,
            incidents,
            missions,
            road_missions,
            air_missions,
            per_1000_missions: per_1000.as_ref().map(|r| &r.missions),
            per_1000_incidents: per_1000.as_ref().map(|r| &r.incidents),
        }),
        _ => None,
    }
}

/// Median and p90 of a time figure (response time, reaction time, …).
pub fn times(f: &PublicFigure) -> Option<(&Public<i64>, &Public<i64>)> {
    match &f.values {
        PublicValues::Times { median_s, p90_s, .. }
        | PublicValues::Missions { median_s, p90_s, .. } => Some((median_s, p90_s)),
        _ => None,
    }
}

/// The count, number within and share of a target figure.
pub fn target(f: &PublicFigure) -> Option<(&Public<u64>, &Public<u64>, &Public<f64>)> {
    match &f.values {
        PublicValues::Target { n, within, share } => Some((n, within, share)),
        _ => None,
    }
}

/// A median in minutes, from a figure or its absence.
pub fn median_minutes(f: Option<&PublicFigure>) -> Shown {
    f.and_then(times).map_or(Shown::NO_DATA, |(m, _)| minutes(m))
}

/// The centres compared: incidents, missions, the red response median and the shares
/// within target, a row per centre; `link` (a query string) makes each centre a link to its
/// page, else the row names it.
pub fn centres_table(lang: Lang, centres: Figures<'_>, link: Option<&str>) -> Markup {
    let headers = [
        lang.t(Msg::Centre),
        lang.t(Msg::Incidents),
        lang.t(Msg::Missions),
        lang.t(Msg::ResponseRedMedian),
        lang.t(Msg::WithinUrbanColumn),
        lang.t(Msg::WithinRuralColumn),
    ];
    table(
        "centres",
        &headers,
        html! {
            @for f in centres.of(Indicator::Volume) {
                @let c = text(f, "centre").unwrap_or("");
                @let within = |area: &str| centres
                    .find(Indicator::ResponseWithinTarget, &[("centre", c), ("area", area)])
                    .and_then(target)
                    .map_or(Shown::NO_DATA, |(_, _, s)| percent(s));
                tr {
                    td {
                        @match link {
                            Some(query) => {
                                a href={ "/sentral/" (c) "?" (query) } { (c) }
                                " " (akutt_model::centre::centre(c).map_or("", |x| x.name.as_str()))
                            }
                            None => { (c) " " (akutt_model::centre::centre(c).map_or("", |x| x.name.as_str())) }
                        }
                    }
                    td { (volume(f).map_or(Shown::NO_DATA, |v| count(v.incidents))) }
                    td { (volume(f).map_or(Shown::NO_DATA, |v| count(v.missions))) }
                    td { (median_minutes(centres.find(Indicator::ResponseTime, &[("centre", c)]))) }
                    td { (within("urban")) }
                    td { (within("rural")) }
                }
            }
        },
    )
}

/// A table: an id, a header row and its rows of cells.
pub fn table(id: &str, headers: &[&str], rows: Markup) -> Markup {
    html! {
        table id=(id) {
            tr { @for h in headers { th scope="col" { (h) } } }
            (rows)
        }
    }
}

/// The period form (`from`, `to`, and the language kept).
pub fn period_form(lang: Lang, from: &str, to: &str, action: &str) -> Markup {
    html! {
        // Printed instead of the form (which print hides): the period stays on paper.
        p.print-only id="printed-period" {
            (lang.t(Msg::Period)) ": " (from) " – " (to) ". "
            (lang.t(Msg::Definitions)) ": /definisjoner" (if lang.en { "?lang=en" } else { "" })
        }
        form method="get" action=(action) {
            label { (lang.t(Msg::From)) " " input name="from" value=(from) pattern="[0-9]{4}-[0-9]{2}" size="7"; }
            " "
            label { (lang.t(Msg::To)) " " input name="to" value=(to) pattern="[0-9]{4}-[0-9]{2}" size="7"; }
            @if lang.en { input type="hidden" name="lang" value="en"; }
            " "
            button type="submit" { (lang.t(Msg::Show)) }
        }
    }
}
