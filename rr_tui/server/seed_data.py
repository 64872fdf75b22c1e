"""Fictional demo data for the reference server: stakeholders, incidents, notes and reasons.

Everything here is invented for demonstrations and benchmarks of an APAC Trust & Safety
Rapid Response team. The people, phone numbers (all in 555 ranges), e-mail addresses (only
example.com / example.org), partner organisations and incidents do not exist; cities and
markets are real only so the dashboard looks plausible.

`demo_contacts` gives the escalation directory, `demo_incidents` a queue of incidents with
the history to bring them to (status, assignee, notes, escalations, severity changes), and
`random_incident`, `random_note` and `random_reason` feed the traffic simulator. Incident
titles and summaries come from per-category templates filled with a market, a city, a
language and a product surface, so generating one costs a few `rng.choice` calls and two
string formats. This module imports only the standard library and `rr_tui.models`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time, timedelta

from rr_tui.models import CATEGORIES, Contact, IncidentCreate, Severity, Source, Status, Team
from rr_tui.models import WorkingHours as Hours

__all__ = [
    "ANALYSTS",
    "SeedIncident",
    "demo_contacts",
    "demo_incidents",
    "random_incident",
    "random_note",
    "random_reason",
]

ANALYSTS: tuple[str, ...] = (
    "mei.tan",
    "arjun.rao",
    "siti.rahman",
    "kenji.mori",
    "linh.nguyen",
    "priya.menon",
    "joon.park",
    "ana.reyes",
    "nattaya.s",
    "tom.walker",
)
"""Fictional Rapid Response analysts who pick up the demo incidents."""


# --- markets ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Market:
    code: str
    name: str
    languages: tuple[str, ...]
    cities: tuple[str, ...]
    weight: int
    """Relative share of the simulated traffic."""


_MARKETS: dict[str, _Market] = {
    market.code: market
    for market in (
        _Market(
            "ID",
            "Indonesia",
            ("Indonesian", "Javanese"),
            ("Jakarta", "Surabaya", "Bandung", "Medan"),
            5,
        ),
        _Market("TH", "Thailand", ("Thai",), ("Bangkok", "Chiang Mai", "Khon Kaen"), 3),
        _Market("VN", "Vietnam", ("Vietnamese",), ("Hanoi", "Ho Chi Minh City", "Da Nang"), 3),
        _Market(
            "PH",
            "the Philippines",
            ("Tagalog", "Cebuano", "English"),
            ("Manila", "Quezon City", "Cebu", "Davao"),
            5,
        ),
        _Market(
            "MY", "Malaysia", ("Malay", "English"), ("Kuala Lumpur", "Penang", "Johor Bahru"), 2
        ),
        _Market("SG", "Singapore", ("English", "Malay"), ("Singapore",), 1),
        _Market("JP", "Japan", ("Japanese",), ("Tokyo", "Osaka", "Fukuoka", "Sapporo"), 4),
        _Market("KR", "South Korea", ("Korean",), ("Seoul", "Busan", "Incheon"), 3),
        _Market("AU", "Australia", ("English",), ("Sydney", "Melbourne", "Brisbane", "Perth"), 3),
        _Market(
            "NZ", "New Zealand", ("English", "Maori"), ("Auckland", "Wellington", "Christchurch"), 1
        ),
        _Market(
            "IN",
            "India",
            ("Hindi", "Tamil", "Bengali", "English"),
            ("Mumbai", "Delhi", "Bengaluru", "Chennai"),
            5,
        ),
        _Market("TW", "Taiwan", ("Mandarin",), ("Taipei", "Kaohsiung", "Taichung"), 2),
        _Market("HK", "Hong Kong", ("Cantonese", "English"), ("Hong Kong",), 1),
    )
}
_MARKET_CODES: tuple[str, ...] = tuple(_MARKETS)
_WEIGHTED_MARKETS: tuple[_Market, ...] = tuple(
    market for market in _MARKETS.values() for _ in range(market.weight)
)

_SURFACES: tuple[str, ...] = (
    "livestreams",
    "short videos",
    "comments",
    "group chats",
    "public groups",
    "direct messages",
    "stories",
    "hashtag pages",
    "reposts",
    "community pages",
)
_GROUPS: tuple[str, ...] = ("group chats", "public groups", "community pages", "livestream rooms")
_COUNTS: tuple[int, ...] = (12, 18, 27, 40, 65, 120, 240, 380, 900, 1400)
_HOURS: tuple[int, ...] = (2, 3, 4, 6, 12, 24)


# --- stakeholders -----------------------------------------------------------

_OFFICE = Hours()
_OFFICE_JP = Hours(start=time(9, 30), end=time(18, 30))
_OFFICE_IN = Hours(start=time(10, 0), end=time(19, 0))
_EARLY = Hours(start=time(8, 0), end=time(17, 0))
_PART_TIME = Hours(days=[0, 1, 2, 3], start=time(10, 0), end=time(16, 0))
_OVERNIGHT_ROTA = Hours(days=[0, 1, 2, 3, 4, 5, 6], start=time(18, 0), end=time(9, 0))
_WEEKEND_ROTA = Hours(days=[5, 6], start=time(9, 0), end=time(21, 0))

_PHONE_PREFIX: dict[str, str] = {
    "Asia/Singapore": "+65 5550",
    "Asia/Jakarta": "+62 21 5550",
    "Asia/Bangkok": "+66 2 555",
    "Asia/Ho_Chi_Minh": "+84 28 5550",
    "Asia/Manila": "+63 2 5550",
    "Asia/Kuala_Lumpur": "+60 3 5550",
    "Asia/Tokyo": "+81 3 5550",
    "Asia/Seoul": "+82 2 555",
    "Asia/Kolkata": "+91 22 5550",
    "Asia/Taipei": "+886 2 5550",
    "Asia/Hong_Kong": "+852 5550",
    "Australia/Sydney": "+61 2 5550",
    "Pacific/Auckland": "+64 9 555",
    "Europe/Dublin": "+353 1 555",
    "America/Los_Angeles": "+1 213 555",
}


def _slug(text: str) -> str:
    return "".join(
        ch for ch in text.lower().replace(" ", ".") if (ch.isascii() and ch.isalnum()) or ch == "."
    )


def _person(
    cid: str,
    name: str,
    team: Team,
    role: str,
    timezone: str,
    *,
    regions: tuple[str, ...] = (),
    categories: tuple[str, ...] = (),
    hours: Hours = _OFFICE,
    on_call: bool = False,
    tier: int = 1,
    notes: str = "",
    domain: str = "example.com",
    email: str = "",
    chat: str = "",
) -> Contact:
    given, _, family = name.partition(" ")
    return Contact(
        id=cid,
        name=name,
        team=team,
        role=role,
        regions=list(regions),
        categories=list(categories),
        timezone=timezone,
        working_hours=hours,
        phone="",  # filled in by demo_contacts, which numbers the directory
        email=email or f"{_slug(name)}@{domain}",
        chat=chat or f"@{_slug(given)[:1]}.{_slug(family.split()[-1] if family else given)}",
        on_call=on_call,
        escalation_tier=tier,
        notes=notes,
    )


def _directory() -> list[Contact]:
    legal, policy, comms = Team.LEGAL, Team.PUBLIC_POLICY, Team.COMMS
    product, eng, lert = Team.PRODUCT, Team.ENGINEERING, Team.LAW_ENFORCEMENT_RESPONSE
    partners, ops, ts = Team.PARTNERSHIPS, Team.REGIONAL_OPS, Team.TRUST_SAFETY
    return [
        # Legal
        _person(
            "legal-sg-1",
            "Melissa Goh",
            legal,
            "Legal Counsel, Southeast Asia",
            "Asia/Singapore",
            regions=("SG", "MY", "VN"),
            tier=2,
        ),
        _person(
            "legal-id-1",
            "Ratna Wulandari",
            legal,
            "Legal Counsel, Indonesia",
            "Asia/Jakarta",
            regions=("ID",),
            on_call=True,
            notes="Handles ministry takedown orders; prefers a call over chat.",
        ),
        _person(
            "legal-th-1",
            "Kittipong Chaiyasit",
            legal,
            "Legal Counsel, Thailand",
            "Asia/Bangkok",
            regions=("TH",),
            on_call=True,
        ),
        _person(
            "legal-ph-1",
            "Maria Isabel Dizon",
            legal,
            "Senior Legal Counsel, Philippines",
            "Asia/Manila",
            regions=("PH",),
            on_call=True,
            tier=2,
            notes="Prefers Signal for after-hours.",
        ),
        _person(
            "legal-jp-1",
            "Haruka Morimoto",
            legal,
            "Legal Counsel, Japan",
            "Asia/Tokyo",
            regions=("JP",),
            hours=_OFFICE_JP,
            on_call=True,
        ),
        _person(
            "legal-kr-1", "Han Ji-woo", legal, "Legal Counsel, Korea", "Asia/Seoul", regions=("KR",)
        ),
        _person(
            "legal-in-1",
            "Ananya Krishnan",
            legal,
            "Legal Counsel, India",
            "Asia/Kolkata",
            regions=("IN",),
            hours=_OFFICE_IN,
        ),
        _person(
            "legal-au-1",
            "Olivia Tran",
            legal,
            "Legal Counsel, Australia & New Zealand",
            "Australia/Sydney",
            regions=("AU", "NZ"),
        ),
        _person(
            "legal-duty-apac",
            "APAC Duty Counsel (weekend rota)",
            legal,
            "Duty Counsel, APAC",
            "Asia/Singapore",
            hours=_WEEKEND_ROTA,
            on_call=True,
            tier=2,
            email="apac-duty-counsel@example.com",
            chat="@apac-duty-counsel",
            notes="Weekend rota; page via the on-call tool, not e-mail.",
        ),
        _person(
            "legal-ie-1",
            "Aoife Brennan",
            legal,
            "Associate General Counsel, Content Regulation",
            "Europe/Dublin",
            tier=3,
        ),
        # Public policy
        _person(
            "policy-sg-1",
            "Farah Aziz",
            policy,
            "Public Policy Manager, Singapore & Malaysia",
            "Asia/Singapore",
            regions=("SG", "MY"),
            tier=2,
        ),
        _person(
            "policy-id-1",
            "Bayu Pratama",
            policy,
            "Public Policy Manager, Indonesia",
            "Asia/Jakarta",
            regions=("ID",),
        ),
        _person(
            "policy-vn-1",
            "Nguyen Thi Lan",
            policy,
            "Public Policy Manager, Vietnam",
            "Asia/Ho_Chi_Minh",
            regions=("VN",),
            chat="@lan.nguyen",
        ),
        _person(
            "policy-jp-1",
            "Kenta Watanabe",
            policy,
            "Public Policy Lead, Japan",
            "Asia/Tokyo",
            regions=("JP",),
            hours=_OFFICE_JP,
            tier=2,
        ),
        _person(
            "policy-kr-1",
            "Park Seo-yeon",
            policy,
            "Public Policy Manager, Korea",
            "Asia/Seoul",
            regions=("KR",),
        ),
        _person(
            "policy-in-1",
            "Rohan Mehta",
            policy,
            "Head of Public Policy, India",
            "Asia/Kolkata",
            regions=("IN",),
            hours=_OFFICE_IN,
            tier=3,
        ),
        _person(
            "policy-au-1",
            "Grace Whitfield",
            policy,
            "Public Policy Manager, Australia & New Zealand",
            "Australia/Sydney",
            regions=("AU", "NZ"),
        ),
        _person(
            "policy-tw-1",
            "Lin Yu-ting",
            policy,
            "Public Policy Manager, Taiwan & Hong Kong",
            "Asia/Taipei",
            regions=("TW", "HK"),
        ),
        _person(
            "policy-us-1",
            "Daniel Okafor",
            policy,
            "Director, Global Elections Policy",
            "America/Los_Angeles",
            categories=("misinformation_elections",),
            tier=3,
        ),
        # Regional operations
        _person(
            "ops-th-1",
            "Siriporn Wongsa",
            ops,
            "Regional Operations Manager, Thailand",
            "Asia/Bangkok",
            regions=("TH",),
        ),
        _person(
            "ops-ph-1",
            "Joseph Villanueva",
            ops,
            "Regional Operations Lead, Philippines",
            "Asia/Manila",
            regions=("PH",),
            on_call=True,
            tier=2,
        ),
        _person(
            "ops-my-1",
            "Aisyah Kamarudin",
            ops,
            "Regional Operations Specialist, Malaysia",
            "Asia/Kuala_Lumpur",
            regions=("MY", "SG"),
        ),
        _person(
            "ops-vn-1",
            "Tran Minh Duc",
            ops,
            "Regional Operations Specialist, Vietnam",
            "Asia/Ho_Chi_Minh",
            regions=("VN",),
            chat="@duc.tran",
        ),
        _person(
            "ops-hk-1",
            "Karen Cheung",
            ops,
            "Regional Operations Manager, Greater China",
            "Asia/Hong_Kong",
            regions=("HK", "TW"),
        ),
        _person(
            "ops-nz-1",
            "Aroha Ngata",
            ops,
            "Regional Operations Specialist, New Zealand",
            "Pacific/Auckland",
            regions=("NZ", "AU"),
        ),
        _person(
            "ops-in-1",
            "Sandeep Kulkarni",
            ops,
            "Regional Operations Manager, India",
            "Asia/Kolkata",
            regions=("IN",),
            hours=_OFFICE_IN,
            on_call=True,
        ),
        _person(
            "ops-id-1",
            "Putri Maharani",
            ops,
            "Regional Operations Specialist, Indonesia",
            "Asia/Jakarta",
            regions=("ID",),
        ),
        # Communications
        _person(
            "comms-sg-1",
            "Rachel Lim",
            comms,
            "Communications Manager, APAC",
            "Asia/Singapore",
            on_call=True,
            tier=2,
            notes="All press statements go through Rachel or the comms on-call.",
        ),
        _person(
            "comms-jp-1",
            "Yui Nakamura",
            comms,
            "Communications Manager, Japan & Korea",
            "Asia/Tokyo",
            regions=("JP", "KR"),
            hours=_OFFICE_JP,
        ),
        _person(
            "comms-in-1",
            "Kavya Iyer",
            comms,
            "Communications Manager, India",
            "Asia/Kolkata",
            regions=("IN",),
            hours=_OFFICE_IN,
        ),
        _person(
            "comms-au-1",
            "Tom Hendry",
            comms,
            "Communications Lead, Australia & New Zealand",
            "Australia/Sydney",
            regions=("AU", "NZ"),
            hours=_EARLY,
        ),
        # Product and engineering
        _person(
            "product-sg-1",
            "Goh Wei Jie",
            product,
            "Product Manager, Live & Video Safety",
            "Asia/Singapore",
            categories=("violent_extremism", "self_harm", "child_safety"),
            tier=2,
            chat="@weijie.goh",
        ),
        _person(
            "product-kr-1",
            "Choi Min-jun",
            product,
            "Product Manager, Teen Safety",
            "Asia/Seoul",
            categories=("child_safety", "self_harm", "harassment"),
        ),
        _person(
            "eng-sg-1",
            "Arvind Subramaniam",
            eng,
            "Engineering Manager, Integrity Classifiers",
            "Asia/Singapore",
            on_call=True,
            tier=2,
        ),
        _person(
            "eng-us-1",
            "Sofia Alvarez",
            eng,
            "Staff Engineer, Account Security",
            "America/Los_Angeles",
            categories=("account_compromise", "scams_fraud"),
            hours=_EARLY,
            on_call=True,
            tier=2,
        ),
        # Law-enforcement response
        _person(
            "lert-sg-1",
            "Hafiz Rahman",
            lert,
            "Law Enforcement Response Lead, APAC",
            "Asia/Singapore",
            categories=(
                "law_enforcement_request",
                "child_safety",
                "violent_extremism",
                "self_harm",
            ),
            on_call=True,
            tier=2,
        ),
        _person(
            "lert-in-1",
            "Vikram Sethi",
            lert,
            "Law Enforcement Response Specialist, India",
            "Asia/Kolkata",
            regions=("IN",),
            hours=_OFFICE_IN,
        ),
        _person(
            "lert-ie-1",
            "Niamh Walsh",
            lert,
            "Emergency Disclosure Manager, Global",
            "Europe/Dublin",
            categories=("law_enforcement_request",),
            on_call=True,
            tier=2,
            notes="Emergency disclosure requests only; routine requests via the LE portal.",
        ),
        # Partnerships, including external partners
        _person(
            "partner-sg-1",
            "Divya Raman",
            partners,
            "Partnerships Manager, Trusted Flagger Programme APAC",
            "Asia/Singapore",
        ),
        _person(
            "partner-ngo-ph-1",
            "Liza Mercado",
            partners,
            "Programme Director, Safe Screens PH (partner NGO)",
            "Asia/Manila",
            regions=("PH",),
            categories=("child_safety", "harassment", "privacy_doxxing"),
            domain="example.org",
            notes="Partner NGO, external. Trusted flagger.",
        ),
        _person(
            "partner-fc-id-1",
            "Dewi Anggraini",
            partners,
            "Lead Editor, Cek Fakta Nusantara (fact-checking partner)",
            "Asia/Jakarta",
            regions=("ID", "MY"),
            categories=("misinformation_elections",),
            domain="example.org",
            notes="Fact-checking partner, external.",
        ),
        _person(
            "partner-helpline-au-1",
            "Sam Patel",
            partners,
            "Liaison, Harbour Line Support (crisis helpline)",
            "Australia/Sydney",
            regions=("AU", "NZ"),
            categories=("self_harm", "child_safety"),
            hours=_PART_TIME,
            domain="example.org",
            notes="Crisis helpline partner, external. Mon-Thu only; out of hours use the "
            "helpline's own escalation line.",
        ),
        _person(
            "partner-ngo-kr-1",
            "Kim Da-eun",
            partners,
            "Case Manager, Open Net Youth Korea (trusted flagger)",
            "Asia/Seoul",
            regions=("KR", "JP"),
            categories=("child_safety", "harassment", "hate_speech"),
            domain="example.org",
            notes="Trusted flagger NGO, external.",
        ),
        # Trust & Safety
        _person(
            "ts-lead-sg-1",
            "Sarah Koh",
            ts,
            "Rapid Response Lead, APAC",
            "Asia/Singapore",
            on_call=True,
            tier=2,
        ),
        _person(
            "ts-oncall-apac",
            "APAC Rapid Response On-call (rota)",
            ts,
            "Overnight and weekend on-call, APAC",
            "Asia/Singapore",
            hours=_OVERNIGHT_ROTA,
            on_call=True,
            email="rr-oncall-apac@example.com",
            chat="@rr-oncall",
            notes="Overnight and weekend rota; page, then chat.",
        ),
        _person(
            "ts-ie-1",
            "Conor Gallagher",
            ts,
            "Director, Trust & Safety Operations",
            "Europe/Dublin",
            tier=3,
        ),
        _person(
            "ts-us-1",
            "Marcus Reed",
            ts,
            "VP, Trust & Safety",
            "America/Los_Angeles",
            tier=3,
            notes="SEV0 only, via the Rapid Response lead.",
        ),
    ]


def demo_contacts() -> list[Contact]:
    """The fictional escalation directory: 47 stakeholders across teams, markets and zones.

    Covers every team, every APAC market of the demo (each has a regional operations or
    public policy contact), on-call legal for ID, TH, PH and JP, external partners (NGOs,
    trusted flaggers, a fact-checker, a helpline), and overnight and weekend rotas. Phone
    numbers are in 555 ranges and e-mail addresses at example.com / example.org.
    """
    contacts = _directory()
    return [
        contact.model_copy(update={"phone": f"{_PHONE_PREFIX[contact.timezone]} {101 + index:04d}"})
        for index, contact in enumerate(contacts)
    ]


# --- incident templates -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Template:
    category: str
    title: str
    summary: str
    severities: tuple[Severity, ...]
    sources: tuple[Source, ...]
    tags: tuple[str, ...]
    sensitive: bool = False


_S0, _S1, _S2, _S3, _S4 = Severity.SEV0, Severity.SEV1, Severity.SEV2, Severity.SEV3, Severity.SEV4
_USER, _DETECT = Source.USER_REPORT, Source.INTERNAL_DETECTION
_FLAGGER, _REGULATOR = Source.TRUSTED_FLAGGER, Source.REGULATOR
_POLICE, _MEDIA = Source.LAW_ENFORCEMENT, Source.MEDIA
_STAFF, _PARTNER = Source.EMPLOYEE, Source.PARTNER


def _t(
    category: str,
    title: str,
    summary: str,
    severities: tuple[Severity, ...],
    sources: tuple[Source, ...],
    tags: tuple[str, ...],
    *,
    sensitive: bool = False,
) -> _Template:
    return _Template(category, title, summary, severities, sources, tags, sensitive)


_TEMPLATES: tuple[_Template, ...] = (
    # violent_extremism
    _t(
        "violent_extremism",
        "Livestream of attack being re-uploaded across accounts ({code})",
        "Footage from a livestreamed attack in {city} is being re-uploaded by newly created "
        "accounts; {n} copies found in the last {hours} hours. Hash matching catches exact "
        "copies but cropped and mirrored versions are getting through.",
        (_S0, _S1),
        (_DETECT, _USER, _FLAGGER, _MEDIA, _STAFF),
        ("livestream", "hash-sharing", "crisis-protocol"),
        sensitive=True,
    ),
    _t(
        "violent_extremism",
        "Designated group recruiting via {surface} in {market}",
        "A network of about {n} accounts linked to a designated group is posting recruitment "
        "material in {surface}. Accounts re-register within hours of removal.",
        (_S1, _S2, _S3),
        (_FLAGGER, _DETECT, _POLICE, _PARTNER),
        ("dangerous-orgs", "coordinated"),
    ),
    _t(
        "violent_extremism",
        "Praise of recent attack trending in {lang}-language {surface} ({code})",
        "Posts praising the perpetrator of a recent attack are gaining traction in "
        "{lang}-language {surface}, at roughly {n} posts per hour. Classifier coverage for the "
        "slang in use is weak.",
        (_S1, _S2, _S3),
        (_DETECT, _USER, _FLAGGER, _STAFF),
        ("glorification", "classifier-gap"),
    ),
    _t(
        "violent_extremism",
        "Attacker manifesto excerpts shared as images after incident in {city} ({code})",
        "Excerpts of a document attributed to an attacker are circulating as screenshots to evade "
        "text matching. No footage seen so far.",
        (_S1, _S2, _S3),
        (_DETECT, _FLAGGER, _MEDIA, _PARTNER),
        ("manifesto", "evasion"),
    ),
    _t(
        "violent_extremism",
        "Specific threat against place of worship in {city} ({code})",
        "A user posted a threat naming a place of worship in {city} and a date. The account has "
        "about {n} followers; a law-enforcement referral is likely needed.",
        (_S1, _S2),
        (_USER, _FLAGGER, _DETECT, _STAFF),
        ("credible-threat", "le-referral"),
    ),
    _t(
        "violent_extremism",
        "Extremist symbols on merchandise listings ({code})",
        "Marketplace sellers in {market} are listing clothing and flags with symbols of a "
        "designated group. {n} listings found so far.",
        (_S3, _S4),
        (_USER, _FLAGGER, _STAFF),
        ("dangerous-orgs", "marketplace"),
    ),
    # child_safety
    _t(
        "child_safety",
        "Suspected grooming network using {group} ({code})",
        "Analysts found {n} adult accounts repeatedly contacting minors in {group} and steering "
        "them to off-platform chats. Accounts share device signals. Review media only in the "
        "secure review tool.",
        (_S0, _S1, _S2),
        (_DETECT, _FLAGGER, _POLICE, _PARTNER),
        ("minor-safety", "grooming", "secure-review"),
        sensitive=True,
    ),
    _t(
        "child_safety",
        "Hotline referral: known abuse material hash matches ({code})",
        "A partner hotline shared a batch of new hashes; {n} matches found and queued for removal "
        "and mandatory reporting. Review media only in the secure review tool.",
        (_S0, _S1),
        (_PARTNER, _FLAGGER),
        ("hash-match", "mandatory-report", "secure-review"),
        sensitive=True,
    ),
    _t(
        "child_safety",
        "Sextortion scripts targeting teens in {market}",
        "Accounts posing as peers are pressuring teenagers for images and then demanding payment. "
        "{n} user reports in the last {hours} hours, concentrated in {city}.",
        (_S1, _S2),
        (_USER, _PARTNER, _DETECT, _POLICE),
        ("sextortion", "teens"),
        sensitive=True,
    ),
    _t(
        "child_safety",
        "Likely underage users in age-restricted {group} ({code})",
        "Reports say age-restricted {group} in {market} are being joined by users who appear to "
        "be under 18. Needs an age-assurance review.",
        (_S3, _S4),
        (_FLAGGER, _USER, _STAFF),
        ("age-assurance", "teens"),
    ),
    _t(
        "child_safety",
        "Video identifying students at a school in {city} spreading ({code})",
        "A video naming students at a school in {city} is spreading and drawing abusive comments. "
        "Parents have contacted the helpline.",
        (_S2, _S3),
        (_USER, _PARTNER, _MEDIA),
        ("minors", "school"),
    ),
    # self_harm
    _t(
        "self_harm",
        "Self-harm livestream reported in {market}",
        "A user in {city} appeared to be in crisis on a livestream. The stream has ended; an "
        "emergency referral to local responders is being evaluated and copies may circulate.",
        (_S0, _S1),
        (_USER, _DETECT, _STAFF),
        ("livestream", "imminent-risk"),
        sensitive=True,
    ),
    _t(
        "self_harm",
        "Dangerous challenge trending among teens ({code})",
        "A challenge encouraging risky behaviour is spreading in {surface} in {market}, with about "
        "{n} posts in {hours} hours. The helpline partner asked for search interventions.",
        (_S1, _S2, _S3),
        (_PARTNER, _USER, _MEDIA, _DETECT),
        ("challenge", "teens"),
        sensitive=True,
    ),
    _t(
        "self_harm",
        "Crisis resources missing for {lang} self-harm search terms ({code})",
        "Crisis helpline resources no longer show for several {lang}-language search terms since "
        "the last release. Product and engineering need to restore the term list.",
        (_S2, _S3),
        (_STAFF, _PARTNER, _DETECT),
        ("search", "regression"),
    ),
    _t(
        "self_harm",
        "Helpline partner flags pro-eating-disorder hashtag cluster ({code})",
        "A cluster of about {n} hashtags promoting extreme dieting is growing in {surface} in "
        "{market}. Partner recommends blocking search and adding resources.",
        (_S2, _S3, _S4),
        (_PARTNER,),
        ("eating-disorder", "hashtags"),
        sensitive=True,
    ),
    _t(
        "self_harm",
        "Imminent-risk report escalated by helpline ({code})",
        "The helpline partner forwarded a report of a user in {city} posting goodbye messages. "
        "Needs an emergency-disclosure decision within the hour.",
        (_S1, _S2),
        (_PARTNER,),
        ("imminent-risk", "edr"),
        sensitive=True,
    ),
    # hate_speech
    _t(
        "hate_speech",
        "Coordinated slurs against migrant workers in {market}",
        "A cluster of {n} accounts is posting slurs targeting migrant workers in {surface} under "
        "trending hashtags. Classifier recall is low for the local slang in use.",
        (_S2, _S3),
        (_DETECT, _FLAGGER, _USER),
        ("coordinated", "slang"),
    ),
    _t(
        "hate_speech",
        "Hate speech surge after football match in {city} ({code})",
        "Abusive posts against players and supporters spiked after last night's match, about {n} "
        "reports in {hours} hours. Mostly in {lang}.",
        (_S2, _S3, _S4),
        (_USER, _DETECT, _MEDIA),
        ("event-driven", "sport"),
    ),
    _t(
        "hate_speech",
        "Religious hate content spreading in {lang}-language {surface} ({code})",
        "Posts dehumanising a religious minority are being shared in {lang}-language {surface} "
        "ahead of a festival. Local teams warn of offline tension in {city}.",
        (_S1, _S2, _S3),
        (_FLAGGER, _PARTNER, _STAFF, _DETECT),
        ("religion", "offline-risk"),
    ),
    _t(
        "hate_speech",
        "Trusted flagger batch: posts targeting ethnic minority ({code})",
        "A trusted flagger submitted {n} posts targeting an ethnic minority in {market}. Initial "
        "sample shows most violate policy.",
        (_S3, _S4),
        (_FLAGGER,),
        ("trusted-flagger-batch",),
    ),
    _t(
        "hate_speech",
        "New coded slur evading filters in {market}",
        "A coded spelling of a slur is spreading in {surface} and is not caught by the keyword "
        "list. About {n} uses in {hours} hours.",
        (_S3, _S4),
        (_DETECT, _STAFF, _USER),
        ("lexicon", "evasion"),
    ),
    # misinformation_elections
    _t(
        "misinformation_elections",
        "Deepfake audio of candidate circulating on election eve ({code})",
        "A synthetic audio clip of a candidate appearing to concede is spreading in {surface}, "
        "{n} shares in {hours} hours. Fact-check partner confirms it is fabricated.",
        (_S0, _S1, _S2),
        (_PARTNER, _DETECT, _MEDIA, _STAFF),
        ("election", "synthetic-media"),
    ),
    _t(
        "misinformation_elections",
        "False polling-place closure claims in {city} ({code})",
        "Posts claim polling stations in {city} are closed or moved. The election body has "
        "confirmed the claims are false.",
        (_S1, _S2),
        (_REGULATOR, _PARTNER, _USER, _DETECT),
        ("election", "voter-suppression"),
    ),
    _t(
        "misinformation_elections",
        "Fact-check partner flags viral claim about ballot counting ({code})",
        "A claim that ballots were destroyed in {city} has been rated false by a partner; the "
        "original post has {n} reshares.",
        (_S2, _S3),
        (_PARTNER, _FLAGGER),
        ("election", "fact-check"),
    ),
    _t(
        "misinformation_elections",
        "Inauthentic network amplifying election hashtags in {market}",
        "About {n} accounts with shared creation patterns are amplifying partisan hashtags in "
        "{surface}. Looks like coordinated inauthentic behaviour.",
        (_S1, _S2, _S3),
        (_DETECT, _STAFF, _PARTNER),
        ("cib", "election"),
    ),
    _t(
        "misinformation_elections",
        "Election body asks for review of misleading political ads ({code})",
        "The election body in {market} sent a list of {n} ads it says misstate voting rules. Needs "
        "policy review before the blackout period.",
        (_S2, _S3, _S4),
        (_REGULATOR,),
        ("election", "political-ads"),
    ),
    _t(
        "misinformation_elections",
        "Health misinformation about vaccine side effects trending ({code})",
        "A {lang}-language video with false claims about vaccine side effects is trending in "
        "{surface}; {n} reshares in {hours} hours.",
        (_S3, _S4),
        (_USER, _FLAGGER, _MEDIA),
        ("health-misinfo",),
    ),
    # privacy_doxxing
    _t(
        "privacy_doxxing",
        "Coordinated doxxing of election officials in {code}",
        "Home addresses and phone numbers of election officials in {city} are being posted in "
        "{surface}, with calls to visit them. {n} posts so far.",
        (_S1, _S2),
        (_REGULATOR, _FLAGGER, _DETECT, _USER),
        ("election", "doxxing", "coordinated"),
    ),
    _t(
        "privacy_doxxing",
        "Journalist's home address posted in {surface} ({code})",
        "A journalist in {city} reports that their home address and family photos were posted "
        "after a critical story. Reposts are spreading.",
        (_S1, _S2, _S3),
        (_USER, _MEDIA, _PARTNER),
        ("journalist", "doxxing"),
    ),
    _t(
        "privacy_doxxing",
        "Leaked customer database shared in {surface} ({code})",
        "Links to a leaked database with names and ID numbers of {market} customers of a "
        "retailer are being shared. {n} posts found.",
        (_S2, _S3),
        (_DETECT, _USER, _MEDIA),
        ("data-leak", "pii"),
    ),
    _t(
        "privacy_doxxing",
        "Non-consensual intimate imagery takedown request ({code})",
        "Intimate images of a person in {city} were shared without consent across {n} accounts. "
        "Hashes requested for proactive matching.",
        (_S1, _S2),
        (_PARTNER, _USER, _FLAGGER),
        ("ncii", "hash-match"),
        sensitive=True,
    ),
    _t(
        "privacy_doxxing",
        "Personal phone number of TV presenter shared after leak ({code})",
        "A presenter's personal number was posted and reshared {n} times; the presenter's team "
        "asked for removal.",
        (_S3, _S4),
        (_USER, _PARTNER, _STAFF),
        ("pii",),
    ),
    # harassment
    _t(
        "harassment",
        "Pile-on against creator after viral video ({code})",
        "A creator in {city} is receiving about {n} abusive comments per hour after a video went "
        "viral. Creator support asked for comment filtering.",
        (_S3, _S4),
        (_USER, _STAFF, _PARTNER),
        ("brigading", "creator"),
    ),
    _t(
        "harassment",
        "Targeted harassment of women journalists in {market}",
        "Several women journalists report coordinated abuse in {surface}, some with threats. "
        "{n} examples shared with us so far.",
        (_S2, _S3),
        (_PARTNER, _FLAGGER, _MEDIA),
        ("journalist", "gendered-harassment"),
    ),
    _t(
        "harassment",
        "Impersonation accounts harassing a local official ({code})",
        "Accounts impersonating a city councillor in {city} are posting abusive replies to "
        "residents. {n} accounts found.",
        (_S2, _S3, _S4),
        (_USER, _REGULATOR, _STAFF),
        ("impersonation",),
    ),
    _t(
        "harassment",
        "Bullying campaign against students at a school in {city} ({code})",
        "{group} are being used to target students at a school in {city}. A parent group "
        "reported it and asked for the spaces to be closed.",
        (_S2, _S3),
        (_PARTNER, _USER),
        ("minors", "bullying"),
    ),
    _t(
        "harassment",
        "Mass-reporting attack to silence activist accounts ({code})",
        "About {n} reports in {hours} hours against activist accounts in {market}, mostly from "
        "new accounts. Several were auto-restricted and need review.",
        (_S2, _S3),
        (_FLAGGER, _DETECT, _PARTNER),
        ("mass-reporting", "activists"),
    ),
    # account_compromise
    _t(
        "account_compromise",
        "Verified accounts hijacked to promote crypto giveaway ({code})",
        "{n} verified accounts in {market} were taken over in {hours} hours and are posting a fake "
        "crypto giveaway. Common vector appears to be a phishing page.",
        (_S0, _S1, _S2),
        (_DETECT, _USER, _MEDIA, _STAFF),
        ("ato", "crypto"),
    ),
    _t(
        "account_compromise",
        "Government agency account compromised in {market}",
        "An official agency account in {market} is posting unrelated content. The agency asked "
        "for the account to be locked and restored.",
        (_S1, _S2),
        (_REGULATOR, _USER, _PARTNER, _MEDIA),
        ("ato", "government"),
    ),
    _t(
        "account_compromise",
        "Credential-stuffing spike against logins from {market}",
        "Login failures from {market} are up sharply, with {n} accounts showing suspicious "
        "sessions. Engineering is rate-limiting.",
        (_S2, _S3),
        (_DETECT, _STAFF),
        ("credential-stuffing",),
    ),
    _t(
        "account_compromise",
        "SIM-swap takeovers reported by creators in {city} ({code})",
        "{n} creators report losing access after SIM swaps. Recovery queue is backing up.",
        (_S2, _S3, _S4),
        (_USER, _PARTNER, _STAFF),
        ("sim-swap", "creator"),
    ),
    _t(
        "account_compromise",
        "Phishing page impersonating our login shared in {surface} ({code})",
        "A look-alike login page is being shared in {surface}; {n} clicks so far. Needs URL "
        "blocking and a warning interstitial.",
        (_S3, _S4),
        (_USER, _DETECT, _STAFF),
        ("phishing",),
    ),
    # legal_request
    _t(
        "legal_request",
        "Regulator takedown order: gambling ads ({code})",
        "The communications regulator in {market} ordered removal of {n} gambling ads within "
        "{hours} hours. Legal to confirm scope before action.",
        (_S2, _S3),
        (_REGULATOR,),
        ("takedown-order", "gambling", "deadline"),
    ),
    _t(
        "legal_request",
        "Court order to restrict allegedly defamatory posts ({code})",
        "A court in {city} ordered {n} posts about a businessman restricted in {market}. Legal "
        "review of scope and geo-restriction needed.",
        (_S3, _S4),
        (_REGULATOR, _STAFF),
        ("court-order", "geo-restriction"),
    ),
    _t(
        "legal_request",
        "Ministry requests removal of posts criticising officials ({code})",
        "A ministry in {market} asked for removal of {n} posts criticising officials. Requires "
        "legal and human-rights review before any action.",
        (_S2, _S3),
        (_REGULATOR,),
        ("government-request", "human-rights-review"),
    ),
    _t(
        "legal_request",
        "Data protection authority inquiry about minors' data ({code})",
        "The data protection authority in {market} sent questions about how teen accounts are "
        "verified. Response due in 10 working days.",
        (_S2, _S3, _S4),
        (_REGULATOR,),
        ("dpa", "teens"),
    ),
    _t(
        "legal_request",
        "Regulator deadline: 24-hour notice-and-action compliance ({code})",
        "A regulator notice in {market} lists {n} items to be actioned within 24 hours, with "
        "penalties for missing the deadline.",
        (_S1, _S2),
        (_REGULATOR,),
        ("deadline", "takedown-order"),
    ),
    _t(
        "legal_request",
        "Broadcaster copyright complaints over live sports ({code})",
        "A broadcaster filed {n} complaints about restreamed matches in livestreams and {group}. "
        "Volume is expected to rise during the weekend fixtures.",
        (_S3, _S4),
        (_PARTNER, _REGULATOR),
        ("copyright", "live-sports"),
    ),
    # law_enforcement_request
    _t(
        "law_enforcement_request",
        "Emergency disclosure request: threat to life ({code})",
        "Police in {city} request account data for a user who posted a specific threat. The "
        "request cites imminent danger; needs a decision within the hour.",
        (_S0, _S1),
        (_POLICE,),
        ("edr", "threat-to-life"),
    ),
    _t(
        "law_enforcement_request",
        "Preservation request for accounts linked to fraud ring ({code})",
        "Police in {market} request preservation of {n} accounts linked to an investment fraud "
        "ring pending formal process.",
        (_S3, _S4),
        (_POLICE,),
        ("preservation",),
    ),
    _t(
        "law_enforcement_request",
        "Police request for missing-person account data in {city} ({code})",
        "Police are searching for a missing teenager from {city} and ask for recent login "
        "locations. Treat as an emergency request.",
        (_S1, _S2),
        (_POLICE,),
        ("missing-person", "edr"),
    ),
    _t(
        "law_enforcement_request",
        "Cross-border data request needs legal review ({code})",
        "An agency in {market} requests content of messages for {n} accounts without a mutual "
        "legal assistance process. Legal review required.",
        (_S3, _S4),
        (_POLICE,),
        ("mlat", "legal-review"),
    ),
    _t(
        "law_enforcement_request",
        "Police flag ransom demands posted about abducted businessman ({code})",
        "Police in {city} report ransom demands posted in {surface} and ask for preservation "
        "and takedown coordination.",
        (_S1, _S2),
        (_POLICE,),
        ("edr", "kidnapping"),
    ),
    # media_inquiry
    _t(
        "media_inquiry",
        "Media inquiry: teen safety feature rollout ({code})",
        "A reporter in {city} asks when the new teen safety settings reach {market} and how "
        "they are enforced. Deadline end of day.",
        (_S3, _S4),
        (_MEDIA,),
        ("press", "teen-safety"),
    ),
    _t(
        "media_inquiry",
        "Reporter asking about slow removal of scam ads ({code})",
        "An outlet in {market} has {n} examples of scam ads it says stayed up for days and asks "
        "for comment within {hours} hours.",
        (_S2, _S3, _S4),
        (_MEDIA,),
        ("press", "scams", "deadline"),
    ),
    _t(
        "media_inquiry",
        "Investigative outlet preparing story on content moderation in {lang} ({code})",
        "An outlet is preparing a story on moderation quality for {lang}-language content and "
        "asks for moderator numbers and accuracy figures.",
        (_S2, _S3),
        (_MEDIA,),
        ("press",),
    ),
    _t(
        "media_inquiry",
        "TV segment on election misinformation airing tonight ({code})",
        "A broadcaster in {market} will air a segment tonight citing {n} misleading posts and "
        "asks for a statement.",
        (_S2, _S3),
        (_MEDIA,),
        ("press", "election"),
    ),
    _t(
        "media_inquiry",
        "Influencer claims wrongful ban; story picked up by press in {market}",
        "A creator with a large following says their account was wrongly removed; several outlets "
        "are asking for comment.",
        (_S3, _S4),
        (_MEDIA, _STAFF),
        ("press", "appeals"),
    ),
    # scams_fraud
    _t(
        "scams_fraud",
        "Investment scam ads using deepfaked TV host in {market}",
        "Ads use a synthetic video of a well-known {lang}-language TV host endorsing a trading "
        "app; {n} ad variants found in {hours} hours.",
        (_S1, _S2, _S3),
        (_DETECT, _USER, _MEDIA, _STAFF),
        ("scam-ads", "synthetic-media"),
    ),
    _t(
        "scams_fraud",
        "Job scam network recruiting for overseas compounds ({code})",
        "Posts in {surface} promise well-paid jobs abroad and route applicants to a chat app. "
        "Partners link the network to forced-labour scam compounds.",
        (_S1, _S2),
        (_PARTNER, _POLICE, _FLAGGER),
        ("job-scam", "trafficking-risk"),
    ),
    _t(
        "scams_fraud",
        "Fake parcel-delivery messages targeting users in {market}",
        "Direct messages impersonating a courier ask users in {market} to pay a small fee via a "
        "link. {n} reports in {hours} hours.",
        (_S3, _S4),
        (_USER, _DETECT),
        ("smishing",),
    ),
    _t(
        "scams_fraud",
        "Loan app harassment and extortion reports in {market}",
        "Users report loan apps advertised on the platform threatening to message their contacts. "
        "{n} reports this week, mostly from {city}.",
        (_S2, _S3),
        (_USER, _REGULATOR, _MEDIA),
        ("loan-apps", "extortion"),
    ),
    _t(
        "scams_fraud",
        "Marketplace listings selling counterfeit medicine ({code})",
        "{n} listings in {market} sell unapproved weight-loss drugs. The health regulator has "
        "been in touch.",
        (_S2, _S3, _S4),
        (_REGULATOR, _USER, _FLAGGER),
        ("marketplace", "regulated-goods"),
    ),
    _t(
        "scams_fraud",
        "Romance scam cluster targeting older users ({code})",
        "About {n} profiles using stolen photos are messaging older users in {market} and asking "
        "for gift cards.",
        (_S3, _S4),
        (_USER, _DETECT, _PARTNER),
        ("romance-scam",),
    ),
)

_TEMPLATES_BY_SEVERITY: dict[Severity, tuple[_Template, ...]] = {
    severity: tuple(t for t in _TEMPLATES if severity in t.severities) for severity in Severity
}

_SOURCE_TAGS: dict[Source, str] = {
    Source.TRUSTED_FLAGGER: "trusted-flagger",
    Source.PARTNER: "partner-escalation",
    Source.REGULATOR: "regulator",
    Source.LAW_ENFORCEMENT: "law-enforcement",
    Source.MEDIA: "press",
    Source.EMPLOYEE: "employee-report",
}


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _render(
    template: _Template,
    market: _Market,
    severity: Severity,
    source: Source,
    rng: random.Random,
) -> IncidentCreate:
    # One draw, split in mixed radix, instead of four rng.choice calls.
    bits = rng.getrandbits(48)
    cities, languages = market.cities, market.languages
    city = cities[bits % len(cities)]
    bits //= len(cities)
    language = languages[bits % len(languages)]
    bits //= len(languages)
    surface = _SURFACES[bits % len(_SURFACES)]
    bits //= len(_SURFACES)
    group = _GROUPS[bits % len(_GROUPS)]
    bits //= len(_GROUPS)
    n = _COUNTS[bits % len(_COUNTS)]
    bits //= len(_COUNTS)
    hours = _HOURS[bits % len(_HOURS)]
    values = {
        "code": market.code,
        "market": market.name,
        "city": city,
        "lang": language,
        "surface": surface,
        "group": group,
        "n": n,
        "hours": hours,
    }
    tags = list(template.tags)
    extra = _SOURCE_TAGS.get(source)
    if extra is not None and extra not in tags:
        tags.append(extra)
    return IncidentCreate(
        title=_capitalised(template.title.format_map(values)),
        summary=_capitalised(template.summary.format_map(values)),
        severity=severity,
        category=template.category,
        region=market.code,
        source=source,
        sensitive=template.sensitive,
        tags=tags,
    )


def random_incident(rng: random.Random) -> IncidentCreate:
    """A fresh, plausible incident for the traffic simulator and bulk benchmarks.

    Cheap by design (called 100,000 times in a benchmark): a template, a market weighted by
    traffic share, a severity and a source are drawn with `rng.choice`, and the rest comes
    from one `getrandbits` call and two string formats.
    """
    template = rng.choice(_TEMPLATES)
    return _render(
        template,
        rng.choice(_WEIGHTED_MARKETS),
        rng.choice(template.severities),
        rng.choice(template.sources),
        rng,
    )


# --- notes and reasons ------------------------------------------------------

_GENERIC_NOTES: tuple[str, ...] = (
    "Picked up; reviewing the reported items now.",
    "Sampled {n} items: most violate policy, a few are news reporting and stay up.",
    "Checked for related accounts; found {k} more with the same signals, actioned.",
    "Asked regional ops for local context on the terms being used.",
    "Volume is flat over the last {mins} minutes.",
    "Volume dropped after the last round of removals; keeping the incident open to watch.",
    "Handover to the next shift: enforcement ongoing, no open questions for legal.",
    "Added the new variants to the matching bank.",
    "Reporter notified of the outcome through the standard template.",
    "Waiting on a reply from the stakeholder; will chase in {mins} minutes.",
)

_CATEGORY_NOTES: dict[str, tuple[str, ...]] = {
    "violent_extremism": (
        "Crisis protocol activated; hashes shared with the industry hash-sharing partner.",
        "{n} re-uploads removed; edited copies now caught after adding video fingerprints.",
        "Search for the attacker's name now returns the crisis interstitial.",
        "Reviewed under the dangerous organisations policy; accounts removed, not just content.",
    ),
    "child_safety": (
        "Media reviewed in the secure tool only; mandatory report filed.",
        "Accounts removed and device signals added to the block list.",
        "Law-enforcement response informed; preservation in place for {k} accounts.",
        "Wellbeing check-in offered to the reviewers on this case.",
    ),
    "self_harm": (
        "Helpline partner contacted; crisis resources shown to the user.",
        "Emergency referral decision made with LE response; see the escalation.",
        "Search interventions added for {k} new terms.",
        "Copies of the stream blocked from re-upload via hash matching.",
    ),
    "hate_speech": (
        "Added {k} coded terms to the lexicon after regional ops review.",
        "Classifier threshold lowered temporarily for this market; watch false positives.",
        "Most reported posts are counter-speech quoting the slurs; left those up.",
    ),
    "misinformation_elections": (
        "Fact-check partner rating received: false. Labels applied and reach reduced.",
        "Election body confirmed the correct polling information; linked it in the label.",
        "Network takedown prepared; {k} accounts share creation patterns.",
        "Checked the election-period commitments for this market before acting.",
    ),
    "privacy_doxxing": (
        "Personal details removed from {n} posts; proactive matching on the address text.",
        "Affected person offered account protections and a direct support contact.",
        "Accounts that posted the details repeatedly were suspended.",
    ),
    "harassment": (
        "Comment filtering enabled for the targeted accounts.",
        "Removed {n} abusive comments; accounts with repeat strikes restricted.",
        "Mass reports reviewed; restrictions on the activist accounts reversed.",
    ),
    "account_compromise": (
        "Affected accounts locked and owners sent the recovery flow.",
        "Engineering blocked the phishing domain; {k} sessions revoked.",
        "Rate limits raised for logins from the affected ranges.",
    ),
    "legal_request": (
        "Legal confirmed scope: geo-restrict in this market only, no global removal.",
        "{n} items reviewed against local law; a few fall outside the order.",
        "Response to the regulator drafted; legal to send before the deadline.",
        "Human-rights review requested before acting on the government request.",
    ),
    "law_enforcement_request": (
        "Request verified via the LE portal; legal process is valid.",
        "Emergency criteria met; data disclosed per the emergency procedure.",
        "Preservation applied for 90 days.",
        "Asked the agency to come through the formal cross-border process.",
    ),
    "media_inquiry": (
        "Comms drafted a holding statement; policy reviewing the facts.",
        "Background shared with the reporter off the record, per comms.",
        "Statement sent; no further questions from the outlet.",
    ),
    "scams_fraud": (
        "Advertiser accounts removed; {k} linked payment profiles blocked.",
        "Landing-page domains added to the block list.",
        "Shared indicators with the anti-scam partner network.",
    ),
}


def random_note(rng: random.Random, category: str) -> str:
    """A plausible analyst note for an incident of this category (any slug works)."""
    pool = _CATEGORY_NOTES.get(category)
    if pool is None or rng.random() < 0.35:
        pool = _GENERIC_NOTES
    return rng.choice(pool).format(
        n=rng.choice(_COUNTS), k=rng.randint(2, 40), mins=rng.choice((15, 30, 45, 60, 90))
    )


_RAISE_REASONS: tuple[str, ...] = (
    "Volume doubling every hour.",
    "Now trending; reach growing fast.",
    "Media picked it up.",
    "Credible offline risk reported by regional ops.",
    "Regulator set a short deadline.",
    "Spread to other markets.",
    "Involves minors.",
    "Edited copies are evading matching.",
    "Government account involved.",
    "Lead asked to treat as crisis.",
)
_LOWER_REASONS: tuple[str, ...] = (
    "Volume back to baseline.",
    "Matching now catches new copies.",
    "Contained to a handful of accounts.",
    "No credible offline risk per regional ops.",
    "Deadline extended by the regulator.",
    "Most reports were duplicates.",
    "Turned out to be satire, not coordinated.",
    "Mitigation in place; monitoring only.",
    "Partner confirmed the situation is resolved.",
)


def random_reason(rng: random.Random, raised: bool) -> str:
    """A short reason for raising (`raised=True`) or lowering a severity."""
    return rng.choice(_RAISE_REASONS if raised else _LOWER_REASONS)


# --- demo incidents ---------------------------------------------------------


@dataclass(frozen=True)
class SeedIncident:
    """One demo incident: how it was opened, and the history that brings it to its state."""

    create: IncidentCreate
    """What was posted to open it; `create.severity` is the initial severity."""
    created_ago: timedelta
    """How long before "now" it was opened (2 minutes to 3 days)."""
    status: Status
    """The status to bring it to."""
    assignee: str | None
    """One of ANALYSTS, or None."""
    notes: tuple[str, ...]
    """Notes added after creation (0-3)."""
    escalate_to: tuple[str, ...]
    """Contact ids it was escalated to; only for escalated, mitigated and resolved."""
    severity_changes: tuple[Severity, ...]
    """Severities it moved through after creation (0-2); the last is the final severity."""


_SEVERITY_SHARES: tuple[tuple[Severity, int], ...] = (
    (Severity.SEV0, 3),
    (Severity.SEV1, 8),
    (Severity.SEV2, 20),
    (Severity.SEV3, 25),
    (Severity.SEV4, 16),
)
_STATUS_SHARES: tuple[tuple[Status, int], ...] = (
    (Status.NEW, 14),
    (Status.ACKNOWLEDGED, 20),
    (Status.ESCALATED, 16),
    (Status.MITIGATED, 12),
    (Status.RESOLVED, 10),
)
_AGE_MINUTES: dict[Status, tuple[int, int]] = {
    Status.NEW: (2, 3 * 60),
    Status.ACKNOWLEDGED: (10, 20 * 60),
    Status.ESCALATED: (30, 48 * 60),
    Status.MITIGATED: (2 * 60, 70 * 60),
    Status.RESOLVED: (4 * 60, 72 * 60 - 1),
}
_CATEGORY_TEAMS: dict[str, tuple[Team, ...]] = {
    "violent_extremism": (
        Team.TRUST_SAFETY,
        Team.LAW_ENFORCEMENT_RESPONSE,
        Team.PUBLIC_POLICY,
        Team.PRODUCT,
        Team.COMMS,
    ),
    "child_safety": (Team.LAW_ENFORCEMENT_RESPONSE, Team.LEGAL, Team.PARTNERSHIPS, Team.PRODUCT),
    "self_harm": (Team.PARTNERSHIPS, Team.PRODUCT, Team.LAW_ENFORCEMENT_RESPONSE),
    "hate_speech": (Team.PUBLIC_POLICY, Team.REGIONAL_OPS, Team.PARTNERSHIPS),
    "misinformation_elections": (
        Team.PUBLIC_POLICY,
        Team.PARTNERSHIPS,
        Team.REGIONAL_OPS,
        Team.COMMS,
    ),
    "privacy_doxxing": (Team.LEGAL, Team.REGIONAL_OPS, Team.PARTNERSHIPS),
    "harassment": (Team.REGIONAL_OPS, Team.PARTNERSHIPS, Team.PRODUCT),
    "account_compromise": (Team.ENGINEERING, Team.REGIONAL_OPS, Team.COMMS),
    "legal_request": (Team.LEGAL, Team.PUBLIC_POLICY),
    "law_enforcement_request": (Team.LAW_ENFORCEMENT_RESPONSE, Team.LEGAL),
    "media_inquiry": (Team.COMMS, Team.PUBLIC_POLICY),
    "scams_fraud": (Team.ENGINEERING, Team.REGIONAL_OPS, Team.LEGAL),
}
_FALLBACK_CONTACT = "ts-oncall-apac"


def _apportion(count: int, shares: Sequence[tuple[object, int]]) -> list[int]:
    """Split `count` by the shares, largest remainder first, ties to the earlier share."""
    total = sum(weight for _, weight in shares)
    exact = [count * weight / total for _, weight in shares]
    sizes = [int(value) for value in exact]
    by_remainder = sorted(range(len(shares)), key=lambda i: (sizes[i] - exact[i], i))
    for i in by_remainder[: count - sum(sizes)]:
        sizes[i] += 1
    return sizes


def _severity_path(rng: random.Random, final: Severity) -> tuple[Severity, tuple[Severity, ...]]:
    """An initial severity and the changes that lead to `final`, usually none."""
    if rng.random() >= 0.3 and final is not Severity.SEV0:
        return final, ()
    r = final.rank
    paths = [
        (r + 1, (r,)),  # raised once
        (r - 1, (r,)),  # lowered once
        (r + 2, (r + 1, r)),  # raised twice
        (r + 1, (r - 1, r)),  # over-raised, then lowered
    ]
    valid = [
        (start, steps)
        for start, steps in paths
        if 0 <= start <= 4 and all(0 <= step <= 4 for step in steps)
    ]
    if final is Severity.SEV0:  # a SEV0 is nearly always declared after triage
        valid = [(start, steps) for start, steps in valid if start > 0]
    start, steps = rng.choice(valid)
    return Severity.from_rank(start), tuple(Severity.from_rank(step) for step in steps)


def _escalation_targets(
    rng: random.Random, contacts: list[Contact], incident: IncidentCreate, final: Severity
) -> tuple[str, ...]:
    """Up to three contacts who would plausibly be pulled in, local ones first."""
    teams = _CATEGORY_TEAMS.get(incident.category, (Team.TRUST_SAFETY,))
    max_tier = 3 if final.rank == 0 else 2 if final.rank <= 2 else 1
    local: list[str] = []
    wide: list[str] = []
    for contact in contacts:
        if contact.team not in teams or contact.escalation_tier > max_tier:
            continue
        if contact.categories and incident.category not in contact.categories:
            continue
        if incident.region in contact.regions:
            local.append(contact.id)
        elif not contact.regions:
            wide.append(contact.id)
    wanted = rng.randint(1, 3 if final.rank <= 1 else 2)
    targets = rng.sample(local, min(wanted, len(local)))
    if len(targets) < wanted:
        targets += rng.sample(wide, min(wanted - len(targets), len(wide)))
    if final.rank == 0 and "ts-lead-sg-1" not in targets:
        targets.append("ts-lead-sg-1")
    return tuple(targets) or (_FALLBACK_CONTACT,)


def demo_incidents(rng: random.Random, count: int = 72) -> list[SeedIncident]:
    """`count` demo incidents with their histories, oldest first; deterministic per rng state.

    For the default 72: final severities 3 SEV0, 8 SEV1, 20 SEV2, 25 SEV3 and 16 SEV4;
    statuses 14 new, 20 acknowledged, 16 escalated, 12 mitigated and 10 resolved. Every
    category of CATEGORIES, every demo market and every Source appears at least once when
    `count` allows it. SEV0 incidents are always escalated or mitigated, and at most one
    SEV1 is resolved.
    """
    if count <= 0:
        return []
    contacts = demo_contacts()

    finals = [
        severity
        for (severity, _), size in zip(
            _SEVERITY_SHARES, _apportion(count, _SEVERITY_SHARES), strict=True
        )
        for _ in range(size)
    ]
    rng.shuffle(finals)
    statuses = [
        status
        for (status, _), size in zip(_STATUS_SHARES, _apportion(count, _STATUS_SHARES), strict=True)
        for _ in range(size)
    ]
    rng.shuffle(statuses)
    # Keep the urgent ones on the board: a SEV0 is being worked (escalated or mitigated),
    # and at most one SEV1 is already resolved.
    active = (Status.ESCALATED, Status.MITIGATED)
    not_resolved = (Status.NEW, Status.ACKNOWLEDGED, *active)
    sev1_resolved = 0
    for i, final in enumerate(finals):
        acceptable: tuple[Status, ...]
        if final is Severity.SEV0:
            acceptable = active
        elif final is Severity.SEV1:
            if statuses[i] is Status.RESOLVED and not sev1_resolved:
                sev1_resolved = 1
                continue
            acceptable = not_resolved
        else:
            continue
        if statuses[i] in acceptable:
            continue
        swap = next(
            (j for j in range(count) if finals[j].rank > 1 and statuses[j] in acceptable), None
        )
        if swap is not None:
            statuses[i], statuses[swap] = statuses[swap], statuses[i]

    seen_categories: set[str] = set()
    seen_markets: set[str] = set()
    seen_sources: set[Source] = set()
    sensitive_target, sensitive_count = round(count * 0.15), 0
    incidents: list[SeedIncident] = []
    for final, status in zip(finals, statuses, strict=True):
        pool = _TEMPLATES_BY_SEVERITY[final]
        candidates = [t for t in pool if t.category not in seen_categories] or list(pool)
        if sensitive_count < sensitive_target and rng.random() < 0.3:
            candidates = [t for t in candidates if t.sensitive] or candidates
        elif sensitive_count >= sensitive_target:
            candidates = [t for t in candidates if not t.sensitive] or candidates
        template = rng.choice(candidates)
        sensitive_count += template.sensitive
        unseen_markets = [code for code in _MARKET_CODES if code not in seen_markets]
        market = (
            _MARKETS[rng.choice(unseen_markets)]
            if unseen_markets
            else rng.choice(_WEIGHTED_MARKETS)
        )
        unseen_sources = [s for s in template.sources if s not in seen_sources]
        source = rng.choice(unseen_sources or template.sources)
        seen_categories.add(template.category)
        seen_markets.add(market.code)
        seen_sources.add(source)

        initial: Severity
        changes: tuple[Severity, ...]
        if status is Status.NEW and final is not Severity.SEV0:
            initial, changes = final, ()
        else:
            initial, changes = _severity_path(rng, final)
        create = _render(template, market, initial, source, rng)

        low, high = _AGE_MINUTES[status]
        if final.rank <= 1:
            high = min(high, 18 * 60)
        age = timedelta(minutes=rng.randint(low, max(low, high)), seconds=rng.randint(0, 59))

        if status is Status.NEW:
            assignee = rng.choice(ANALYSTS) if rng.random() < 0.2 else None
            note_count = 1 if rng.random() < 0.3 else 0
        else:
            assignee = rng.choice(ANALYSTS)
            note_count = rng.randint(1, 2) if status is Status.ACKNOWLEDGED else rng.randint(1, 3)
        notes = tuple(random_note(rng, template.category) for _ in range(note_count))

        escalate_to: tuple[str, ...] = ()
        if status is Status.ESCALATED or (
            status in (Status.MITIGATED, Status.RESOLVED)
            and (final.rank <= 1 or rng.random() < 0.6)
        ):
            escalate_to = _escalation_targets(rng, contacts, create, final)

        incidents.append(
            SeedIncident(
                create=create,
                created_ago=age,
                status=status,
                assignee=assignee,
                notes=notes,
                escalate_to=escalate_to,
                severity_changes=changes,
            )
        )
    incidents.sort(key=lambda incident: incident.created_ago, reverse=True)
    return incidents


# Every well-known category has templates, and every category can fill a SEV3 slot, which
# is what guarantees category coverage in demo_incidents.
assert set(CATEGORIES) == {t.category for t in _TEMPLATES}
assert set(CATEGORIES) <= {t.category for t in _TEMPLATES_BY_SEVERITY[Severity.SEV3]}
