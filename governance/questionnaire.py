"""The impact-assessment questionnaire, version 1, as data. The migration seeds it; a new version is a new
constant and a new migration (answers keep the version they were given under)."""

ANNEX_III_AREAS = [
    ("biometrics", "Biometric identification or categorisation, emotion recognition (Annex III 1)"),
    ("critical_infrastructure", "Safety component of critical infrastructure: energy, water, traffic (Annex III 2)"),
    ("education", "Education and vocational training: admission, grading, proctoring (Annex III 3)"),
    ("employment", "Employment: recruitment, promotion, termination, task allocation, monitoring (Annex III 4)"),
    ("essential_services", "Access to essential public or private services and benefits (Annex III 5(a))"),
    ("credit", "Creditworthiness or credit scoring of natural persons (Annex III 5(b))"),
    ("insurance", "Risk assessment and pricing in life and health insurance (Annex III 5(c))"),
    ("law_enforcement", "Law enforcement (Annex III 6)"),
    ("migration", "Migration, asylum and border control (Annex III 7)"),
    ("justice", "Administration of justice and democratic processes (Annex III 8)"),
]

PROHIBITED_PRACTICES = [
    ("manipulation", "Subliminal or purposefully manipulative techniques that distort behaviour (Art. 5(1)(a))"),
    ("exploiting_vulnerabilities", "Exploiting vulnerabilities of age, disability or social situation (Art. 5(1)(b))"),
    ("social_scoring", "Social scoring leading to detrimental or unjustified treatment (Art. 5(1)(c))"),
    ("predictive_policing", "Predicting criminal offences from profiling or personality traits alone (Art. 5(1)(d))"),
    ("face_scraping", "Untargeted scraping of facial images to build recognition databases (Art. 5(1)(e))"),
    ("emotion_workplace", "Emotion recognition in the workplace or in education (Art. 5(1)(f))"),
    ("biometric_categorisation", "Biometric categorisation inferring race, religion, orientation… (Art. 5(1)(g))"),
    ("realtime_biometric_id", "Real-time remote biometric identification in public for policing (Art. 5(1)(h))"),
]

QUESTIONNAIRE_V1 = {
    "version": 1,
    "title": "AI impact assessment",
    "questions": [
        {"key": "purpose", "kind": "text", "required": True, "text": "What is the intended purpose of the system?"},
        {
            "key": "annex_iii_areas",
            "kind": "multi",
            "required": False,
            "text": "Is it used in any of these areas (EU AI Act Annex III)? Tick every one that applies.",
            "options": ANNEX_III_AREAS,
        },
        {
            "key": "prohibited_practices",
            "kind": "multi",
            "required": False,
            "text": "Does it involve any of these practices (EU AI Act Art. 5)? Tick every one that applies.",
            "options": PROHIBITED_PRACTICES,
        },
        {
            "key": "interacts_with_people",
            "kind": "bool",
            "required": True,
            "text": "Do people interact with it directly, or does it generate text, images, audio or video?",
        },
        {
            "key": "affected",
            "kind": "multi",
            "required": True,
            "text": "Who is affected by its outputs?",
            "options": [
                ("employees", "Employees"),
                ("customers", "Customers"),
                ("public", "The general public"),
                ("minors", "Minors"),
                ("vulnerable", "Vulnerable people (health, financial hardship, disability)"),
                ("internal_only", "No person: internal operations only"),
            ],
        },
        {
            "key": "autonomy",
            "kind": "choice",
            "required": True,
            "text": "How much does a person oversee its decisions?",
            "options": [
                ("advisory", "Advisory: a person decides, the system informs"),
                ("human_in_loop", "A person approves each decision"),
                ("human_on_loop", "A person monitors and can intervene"),
                ("automated", "Fully automated: no person in the loop"),
            ],
        },
        {
            "key": "personal_data",
            "kind": "choice",
            "required": True,
            "text": "What personal data does it use?",
            "options": [
                ("none", "None"),
                ("personal", "Personal data"),
                ("special_category", "Special-category data (health, ethnicity, religion, biometrics… GDPR Art. 9)"),
            ],
        },
        {
            "key": "scale",
            "kind": "choice",
            "required": True,
            "text": "How many people or decisions does it touch per year?",
            "options": [("small", "Fewer than 1,000"), ("medium", "1,000 to 100,000"), ("large", "More than 100,000")],
        },
        {
            "key": "reversibility",
            "kind": "choice",
            "required": True,
            "text": "If it harms someone, can the harm be undone?",
            "options": [
                ("reversible", "Easily reversed"),
                ("effort", "Reversible with effort"),
                ("irreversible", "Irreversible"),
            ],
        },
        *(
            {
                "key": f"{kind}_impact",
                "kind": "choice",
                "required": True,
                "text": f"What is the worst plausible {kind} impact of a failure?",
                "options": [("low", "Low"), ("medium", "Medium"), ("high", "High")],
            }
            for kind in ("financial", "reputational")
        ),
        {
            "key": "safety_impact",
            "kind": "choice",
            "required": True,
            "text": "Could a failure harm someone's health or safety?",
            "options": [("none", "No"), ("minor", "Minor harm"), ("serious", "Serious harm")],
        },
    ],
}
