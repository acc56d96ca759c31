"""Demo content for two tenants, so every admin and learner screen of a fresh install has something
real to show: an English manufacturer and a Slovenian distributor, each with its own courses.

Only plain data lives here; the seeding code turns it into rows. Module, category and tag names are
referenced by their exact text, and users by the keys "owner", "hr", "mentor", "learner1".."learner5"
and "viewer".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lms.models.enums import Difficulty, ModuleStatus, QuestionType, SectionType, TenantPlan, TenantTheme


@dataclass(frozen=True)
class DemoQuestion:
    type: QuestionType
    text: str
    # (option text, is correct); TRUE_FALSE has exactly two options, "True"/"False" in the tenant's language
    options: tuple[tuple[str, bool], ...]
    points: int = 1


@dataclass(frozen=True)
class DemoQuiz:
    title: str
    passing_score: int  # 1..100
    max_attempts: int | None  # None = unlimited
    time_limit: int | None  # minutes, None = no limit
    questions: tuple[DemoQuestion, ...]


@dataclass(frozen=True)
class DemoSection:
    title: str
    type: SectionType
    content: str  # safe HTML, 120-400 words
    video_url: str | None = None  # VIDEO and MIXED sections
    attachment_title: str | None = None  # ATTACHMENT and MIXED sections; the seeder makes a small PDF


@dataclass(frozen=True)
class DemoModule:
    title: str
    description: str
    difficulty: Difficulty
    status: ModuleStatus
    category: str  # one of the tenant's categories
    tags: tuple[str, ...]  # names from the tenant's tags
    sections: tuple[DemoSection, ...]
    quiz: DemoQuiz | None = None
    validity_months: int | None = None  # compliance modules expire and must be renewed
    prerequisites: tuple[str, ...] = ()  # titles of other modules of the same tenant
    mentored: bool = False  # the tenant's "mentor" user mentors it


@dataclass(frozen=True)
class DemoAssignment:
    module: str  # module title
    deadline_days: int | None  # None = no deadline
    mandatory: bool


@dataclass(frozen=True)
class DemoGroup:
    name: str
    color: str  # "#rrggbb"
    description: str
    members: tuple[str, ...]  # user keys: "mentor", "learner1".."learner5", "hr"
    assignments: tuple[DemoAssignment, ...]


@dataclass(frozen=True)
class DemoChangelog:
    version: str
    title: str
    summary: str


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    name: str
    locale: str  # "en" or "sl"
    plan: TenantPlan
    theme: TenantTheme
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    modules: tuple[DemoModule, ...]
    groups: tuple[DemoGroup, ...]
    # user key ("owner", "hr", "mentor", "learner1".."learner5", "viewer") -> full name
    user_names: dict[str, str] = field(default_factory=dict)


# --- Acme Manufacturing (en) -------------------------------------------------------------------

_ACME_WELCOME = DemoModule(
    title="Welcome to Acme Manufacturing",
    description=(
        "Your first week at Acme: who we are, what we make, how the plants run and where to get help. "
        "Start here before any other course."
    ),
    difficulty=Difficulty.BEGINNER,
    status=ModuleStatus.PUBLISHED,
    category="Onboarding",
    tags=("onboarding",),
    mentored=True,
    sections=(
        DemoSection(
            title="Who we are",
            type=SectionType.TEXT,
            content=(
                "<h2>Who we are</h2>"
                "<p>Acme Manufacturing has made precision metal components in Dayton, Ohio since 1968. "
                "Today about 640 people work across two plants: Plant 1 runs CNC machining and assembly, "
                "Plant 2 runs stamping, powder coating and the central warehouse. Our customers are "
                "agricultural equipment and HVAC manufacturers who build our brackets, housings and "
                "hydraulic fittings into their own products, so a late or faulty part from us stops someone "
                "else's line.</p>"
                "<h3>What we expect from each other</h3>"
                "<ul>"
                "<li><strong>Safety first.</strong> Anyone may stop a job they believe is unsafe, and "
                "nobody is ever criticised for doing so.</li>"
                "<li><strong>Right first time.</strong> We would rather ship one day late than ship a part "
                "we are not sure about.</li>"
                "<li><strong>Respect.</strong> Disagree openly, decide together, then support the "
                "decision.</li>"
                "<li><strong>Improve every day.</strong> Small suggestions count; the suggestions page on "
                "this platform is read by the plant managers every week.</li>"
                "</ul>"
                "<p>Our quality system is certified to ISO 9001:2015, and our safety programme follows the "
                "OSHA general industry standards. You will meet both in the courses assigned to you in your "
                "first month.</p>"
            ),
        ),
        DemoSection(
            title="A walk through the plants",
            type=SectionType.VIDEO,
            video_url="https://www.youtube.com/watch?v=8xKq2Lm4TtE",
            content=(
                "<h2>A walk through the plants</h2>"
                "<p>This twelve-minute video follows a steel coil from the receiving dock in Plant 2 to a "
                "finished, boxed hydraulic fitting leaving Plant 1. Watch it before your first floor tour "
                "so you recognise the areas your guide points out.</p>"
                "<h3>Things to notice</h3>"
                "<ul>"
                "<li>Yellow floor lines mark pedestrian walkways; outside them, forklifts have right of "
                "way.</li>"
                "<li>Blue signs at every area entrance show the protective equipment required in that "
                "area.</li>"
                "<li>Red bins in each cell hold quarantined parts waiting for a quality decision. Never "
                "take parts out of a red bin.</li>"
                "<li>Green first-aid stations and eye-wash points are next to each set of fire doors.</li>"
                "</ul>"
                "<p>After the video, your mentor will walk you through the same route in person and show "
                "you your own workstation, the break rooms and the assembly point used in an evacuation. "
                "Ask questions as you go; everyone on the floor remembers their own first week.</p>"
            ),
        ),
        DemoSection(
            title="Your first week checklist",
            type=SectionType.ATTACHMENT,
            attachment_title="New starter checklist.pdf",
            content=(
                "<h2>Your first week checklist</h2>"
                "<p>The attached checklist is the same one your manager and HR use, so everyone knows what "
                "is done and what is still open. Keep it with you during the first week and tick items off "
                "as you complete them.</p>"
                "<ol>"
                "<li><strong>Day 1:</strong> collect your badge and locker key at reception, sign your "
                "employment documents with HR and get your network account from the IT desk in building "
                "A.</li>"
                "<li><strong>Day 2:</strong> floor tour with your mentor, fitting of your safety glasses, "
                "hearing protection and safety footwear, and the Workplace Safety Essentials course.</li>"
                "<li><strong>Day 3:</strong> the Information Security Basics course and your first shift "
                "shadowing your mentor.</li>"
                "<li><strong>Day 5:</strong> a short check-in with your manager to agree goals for your "
                "first 30 days.</li>"
                "</ol>"
                "<p>You will have similar check-ins after 30, 60 and 90 days. If anything on the list is "
                "blocked, for example missing equipment or an account that does not work, tell your mentor "
                "or write to HR the same day rather than waiting for the next check-in.</p>"
            ),
        ),
    ),
)

_ACME_SAFETY = DemoModule(
    title="Workplace Safety Essentials",
    description=(
        "The safety rules every Acme employee follows on the plant floor: reporting hazards, personal "
        "protective equipment and what to do in an emergency. Required every year."
    ),
    difficulty=Difficulty.BEGINNER,
    status=ModuleStatus.PUBLISHED,
    category="Health and Safety",
    tags=("compliance", "PPE"),
    validity_months=12,
    sections=(
        DemoSection(
            title="Hazards, near misses and stop-work authority",
            type=SectionType.TEXT,
            content=(
                "<h2>Hazards, near misses and stop-work authority</h2>"
                "<p>Most injuries at Acme are not caused by dramatic failures but by small hazards that "
                "everyone walked past: a puddle of coolant, a pallet sticking out into a walkway, a guard "
                "left open after a tool change. Your first job is to notice them and your second is to "
                "report them.</p>"
                "<h3>What to report</h3>"
                "<ul>"
                "<li><strong>Hazard:</strong> a condition that could hurt someone, such as a damaged cable "
                "or a blocked fire exit.</li>"
                "<li><strong>Near miss:</strong> an event that could have caused injury or damage but did "
                "not, such as a part falling from a rack next to someone.</li>"
                "<li><strong>Incident:</strong> any injury, however minor, and any damage to equipment or "
                "product.</li>"
                "</ul>"
                "<p>Report hazards and near misses before the end of your shift, on the safety card at your "
                "cell or in the Safety app on the shop-floor terminals. Report every injury to your "
                "supervisor immediately, even a small cut, so that it is treated and recorded.</p>"
                "<h3>Stop-work authority</h3>"
                "<p>Every employee, including temporary staff and visitors, may stop a task they believe is "
                "unsafe. Stopping work is never a disciplinary matter. Stop, make the area safe if you can "
                "do so without risk, and call your supervisor. Work restarts only when the supervisor and "
                "the person who stopped it agree that the hazard is controlled.</p>"
            ),
        ),
        DemoSection(
            title="Personal protective equipment",
            type=SectionType.TEXT,
            content=(
                "<h2>Personal protective equipment</h2>"
                "<p>Personal protective equipment (PPE) is the last line of defence: we remove or guard "
                "hazards first, and PPE protects you from what remains. The blue sign at each area entrance "
                "lists what is required there.</p>"
                "<table>"
                "<thead><tr><th>Area</th><th>Required PPE</th></tr></thead>"
                "<tbody>"
                "<tr><td>All production areas</td><td>Safety glasses with side shields, safety "
                "footwear</td></tr>"
                "<tr><td>Stamping presses and grinding</td><td>Hearing protection as well (noise above 85 "
                "dB(A))</td></tr>"
                "<tr><td>Powder coating booth</td><td>Respirator and disposable coveralls as well</td></tr>"
                "<tr><td>Sheet metal handling</td><td>Cut-resistant gloves as well</td></tr>"
                "</tbody>"
                "</table>"
                "<p>Inspect your PPE before every shift. Replace glasses that are scratched, earplugs that "
                "are dirty and gloves that are torn; the stores window swaps them at no cost. Gloves must "
                "never be worn at drill presses or lathes, where a rotating spindle can catch the fabric "
                "and pull your hand in.</p>"
                "<p>Respirator users need a fit test before first use and once a year afterwards. Facial "
                "hair under the seal of a tight-fitting respirator prevents a proper fit, so users of those "
                "respirators must be clean-shaven where the seal sits.</p>"
            ),
        ),
        DemoSection(
            title="Emergencies and evacuation",
            type=SectionType.MIXED,
            video_url="https://vimeo.com/512384671",
            attachment_title="Evacuation plan - Plants 1 and 2.pdf",
            content=(
                "<h2>Emergencies and evacuation</h2>"
                "<p>When the evacuation alarm sounds, a continuous siren with flashing strobes, everyone "
                "leaves the building. Watch the two-minute drill video and study the attached evacuation "
                "plan for the building you work in.</p>"
                "<ol>"
                "<li>Stop work and put your machine in a safe state with the emergency stop if it is within "
                "reach.</li>"
                "<li>Leave by the nearest marked exit. Do not use the freight elevators and do not go back "
                "for personal belongings.</li>"
                "<li>Walk, do not run, to the assembly point: the north car park for Plant 1, the area by "
                "the water tower for Plant 2.</li>"
                "<li>Report to your area fire warden, who wears an orange vest and checks names against the "
                "shift list.</li>"
                "<li>Stay at the assembly point until the fire warden announces that it is safe to "
                "return.</li>"
                "</ol>"
                "<p>If you discover a fire, press the nearest red call point and then call the security "
                "desk on extension 2222, which contacts the fire service. Use a fire extinguisher only on a "
                "small fire, only if you have been trained, and only if you have a clear way out behind "
                "you.</p>"
            ),
        ),
    ),
    quiz=DemoQuiz(
        title="Workplace Safety Essentials: annual check",
        passing_score=80,
        max_attempts=None,
        time_limit=10,
        questions=(
            DemoQuestion(
                type=QuestionType.SINGLE_CHOICE,
                text="When must a near miss be reported?",
                options=(
                    ("Before the end of your shift", True),
                    ("Within one week", False),
                    ("Only if someone was injured", False),
                    ("Only if a supervisor saw it", False),
                ),
            ),
            DemoQuestion(
                type=QuestionType.MULTIPLE_CHOICE,
                text="Besides glasses and safety footwear, what must you wear in the powder coating booth?",
                options=(
                    ("A respirator", True),
                    ("Disposable coveralls", True),
                    ("Cut-resistant gloves", False),
                    ("A welding helmet", False),
                ),
                points=2,
            ),
            DemoQuestion(
                type=QuestionType.TRUE_FALSE,
                text="Only supervisors may stop a task they believe is unsafe.",
                options=(("True", False), ("False", True)),
            ),
            DemoQuestion(
                type=QuestionType.SINGLE_CHOICE,
                text="Where do Plant 1 employees go when the evacuation alarm sounds?",
                options=(
                    ("The north car park", True),
                    ("The area by the water tower", False),
                    ("The nearest break room", False),
                ),
            ),
            DemoQuestion(
                type=QuestionType.TRUE_FALSE,
                text="Gloves must never be worn when working at a drill press or lathe.",
                options=(("True", True), ("False", False)),
            ),
        ),
    ),
)

_ACME_LOTO = DemoModule(
    title="Lockout/Tagout for Maintenance and Setup",
    description=(
        "How to isolate and verify every energy source before servicing a machine, following Acme's "
        "six-step lockout/tagout procedure. For maintenance technicians and setup operators."
    ),
    difficulty=Difficulty.ADVANCED,
    status=ModuleStatus.PUBLISHED,
    category="Health and Safety",
    tags=("LOTO", "compliance"),
    validity_months=12,
    prerequisites=("Workplace Safety Essentials",),
    mentored=True,
    sections=(
        DemoSection(
            title="Why hazardous energy kills",
            type=SectionType.TEXT,
            content=(
                "<h2>Why hazardous energy kills</h2>"
                "<p>Lockout/tagout (LOTO) protects people who service or set up machines from the "
                "unexpected start-up of equipment and the release of stored energy. OSHA estimates that "
                "compliance with its hazardous energy standard, 29 CFR 1910.147, prevents about 120 deaths "
                "and 50,000 injuries every year. The rules are summarised on the <a "
                'href="https://www.osha.gov/control-hazardous-energy">OSHA page on the control of hazardous '
                "energy</a>.</p>"
                "<h3>Energy sources at Acme</h3>"
                "<ul>"
                "<li><strong>Electrical:</strong> 480 V supplies to presses and CNC machines, and "
                "capacitors that stay charged after switch-off.</li>"
                "<li><strong>Hydraulic and pneumatic:</strong> accumulators and air lines that keep their "
                "pressure after the pump stops.</li>"
                "<li><strong>Mechanical:</strong> flywheels on the stamping presses, springs, and raised "
                "press rams that can fall under gravity.</li>"
                "<li><strong>Thermal:</strong> the curing oven on the powder coating line.</li>"
                "</ul>"
                "<p>Every machine has an equipment-specific procedure on a yellow card mounted at its main "
                "disconnect. The card lists each energy source, where its isolation point is and how to "
                "verify that it is at zero energy. If a card is missing or does not match the machine, do "
                "not start the job: tell maintenance planning.</p>"
            ),
        ),
        DemoSection(
            title="The six steps",
            type=SectionType.MIXED,
            video_url="https://www.youtube.com/watch?v=Qm7fR2wX9pA",
            attachment_title="LOTO procedure checklist.pdf",
            content=(
                "<h2>The six steps</h2>"
                "<p>Watch the video demonstration on press 14, then follow the attached checklist on every "
                "job until the steps are second nature.</p>"
                "<ol>"
                "<li><strong>Prepare:</strong> read the machine's yellow card and identify every energy "
                "source.</li>"
                "<li><strong>Notify:</strong> tell the operator and everyone affected in the area that the "
                "machine is going down.</li>"
                "<li><strong>Shut down and isolate:</strong> stop the machine with its normal controls, "
                "then operate each isolating device: disconnect switches, valves and blocks.</li>"
                "<li><strong>Lock and tag:</strong> put your own red personal lock and a signed tag on "
                "every isolation point. The key stays with you.</li>"
                "<li><strong>Release stored energy:</strong> bleed hydraulic and air pressure, block the "
                "raised ram, discharge capacitors and let flywheels come to a stop.</li>"
                "<li><strong>Verify:</strong> make sure nobody is exposed, press the start button to try to "
                "operate the machine, and test for voltage with a meter. Return the controls to off "
                "afterwards. Only then does work begin.</li>"
                "</ol>"
                "<p>A tag on its own is only a warning; it does not physically stop anyone. Wherever an "
                "isolating device can take a lock, a lock is required. Only the person who applied a lock "
                "may remove it.</p>"
            ),
        ),
        DemoSection(
            title="Group lockout, shift changes and absent lock owners",
            type=SectionType.TEXT,
            content=(
                "<h2>Group lockout, shift changes and absent lock owners</h2>"
                "<p>Larger jobs, such as a die change on a transfer press, involve several technicians at "
                "once. In a group lockout, the lead technician locks the isolation points with department "
                "locks and puts the keys in a group lockbox. Every technician then applies their own "
                "personal lock to the lockbox before starting work and removes it only when their own part "
                "of the job is finished. The machine cannot be re-energised until the last personal lock is "
                "off the box.</p>"
                "<h3>Shift changes</h3>"
                "<p>Protection must never lapse between shifts. The incoming technician applies their "
                "personal lock before the outgoing technician removes theirs, and both sign the handover "
                "section of the permit.</p>"
                "<h3>When a lock owner has gone home</h3>"
                "<p>If a lock must be removed and its owner is not on site, only the maintenance manager "
                "may authorise removal, after three checks: the owner has been called and confirmed they "
                "are not on site, the machine has been inspected and everyone is clear, and the owner will "
                "be told before they return to work. The removal is recorded in the LOTO log.</p>"
                "<h3>Restoring equipment</h3>"
                "<p>Before removing locks, remove tools and blocks, reinstall guards, make sure everyone is "
                "clear and tell the operator that the machine is being returned to service.</p>"
            ),
        ),
    ),
    quiz=DemoQuiz(
        title="Lockout/tagout practical check",
        passing_score=80,
        max_attempts=3,
        time_limit=None,
        questions=(
            DemoQuestion(
                type=QuestionType.SINGLE_CHOICE,
                text="Who may remove a personal lock in normal work?",
                options=(
                    ("Only the person who applied it", True),
                    ("Any maintenance technician", False),
                    ("The machine operator", False),
                    ("The shift supervisor", False),
                ),
            ),
            DemoQuestion(
                type=QuestionType.MULTIPLE_CHOICE,
                text="Which actions belong to the step 'Release stored energy'?",
                options=(
                    ("Bleed hydraulic and air pressure", True),
                    ("Block the raised press ram", True),
                    ("Tell the operator the machine is going down", False),
                    ("Sign the handover section of the permit", False),
                ),
                points=2,
            ),
            DemoQuestion(
                type=QuestionType.TRUE_FALSE,
                text="A tag on its own is enough when the isolating device can take a lock.",
                options=(("True", False), ("False", True)),
            ),
            DemoQuestion(
                type=QuestionType.SINGLE_CHOICE,
                text="What is the last step before work starts on a locked-out machine?",
                options=(
                    ("Verify by trying to start the machine and testing for voltage", True),
                    ("Notify the operator", False),
                    ("Put the lock key in your locker", False),
                ),
            ),
            DemoQuestion(
                type=QuestionType.TRUE_FALSE,
                text=(
                    "At a shift change, the incoming technician applies their lock before the outgoing "
                    "technician removes theirs."
                ),
                options=(("True", True), ("False", False)),
            ),
        ),
    ),
)

_ACME_FORKLIFT = DemoModule(
    title="Forklift Pre-Shift Inspection",
    description=(
        "A daily inspection routine for counterbalance forklifts and the operating rules that keep loads "
        "stable. For certified forklift operators in the warehouse and Plant 2."
    ),
    difficulty=Difficulty.INTERMEDIATE,
    status=ModuleStatus.PUBLISHED,
    category="Health and Safety",
    tags=("forklift", "compliance"),
    validity_months=24,
    prerequisites=("Workplace Safety Essentials",),
    sections=(
        DemoSection(
            title="Walk-around inspection",
            type=SectionType.VIDEO,
            video_url="https://www.youtube.com/watch?v=Xb3nT6pYc0s",
            content=(
                "<h2>Walk-around inspection</h2>"
                "<p>OSHA requires powered industrial trucks to be examined before being placed in service, "
                "at least daily, and after each shift where trucks are used around the clock. At Acme this "
                "means every operator inspects their truck at the start of every shift, even if the "
                "previous shift already did. The video shows the full inspection of one of our electric "
                "counterbalance trucks; once you know the routine it takes about five minutes.</p>"
                "<h3>Power off: visual checks</h3>"
                "<ul>"
                "<li>Forks: no cracks, bends or uneven wear at the heel; locking pins in place.</li>"
                "<li>Mast and chains: no broken links, chains evenly tensioned, no hydraulic leaks at the "
                "cylinders.</li>"
                "<li>Tyres: no chunks missing and no objects embedded.</li>"
                "<li>Data plate present and readable.</li>"
                "<li>Battery: connector undamaged, electrolyte level correct, no corrosion.</li>"
                "</ul>"
                "<h3>Power on: operational checks</h3>"
                "<ul>"
                "<li>Horn, lights and reversing alarm work.</li>"
                "<li>Service and parking brakes hold.</li>"
                "<li>Steering moves freely; lift, lower and tilt are smooth.</li>"
                "<li>The seat belt latches, and the seat switch stops travel when you stand up.</li>"
                "</ul>"
            ),
        ),
        DemoSection(
            title="The daily checklist",
            type=SectionType.ATTACHMENT,
            attachment_title="Forklift daily checklist.pdf",
            content=(
                "<h2>The daily checklist</h2>"
                "<p>Record every inspection on the attached checklist; a printed pad hangs in each truck. "
                "Completed sheets go into the tray at the charging station, and the warehouse supervisor "
                "reviews them every week.</p>"
                "<p>Each item is marked OK or Defect. If any item is marked Defect, the truck must not be "
                "used:</p>"
                "<ol>"
                "<li>Park the truck in the charging area, lower the forks to the floor and remove the "
                "key.</li>"
                "<li>Hang a red Do Not Operate tag on the steering wheel.</li>"
                "<li>Report the defect to the warehouse supervisor and log a maintenance request.</li>"
                "<li>Take a spare truck, and inspect that one too before you use it.</li>"
                "</ol>"
                "<p>Only maintenance may remove the red tag, after the repair has been made and tested. "
                "Never try to fix a hydraulic leak, a brake or a steering fault yourself, and never borrow "
                "a part from another truck.</p>"
                "<p>Keep your own copy of the checklist: its back page shows the most common defects we "
                "found in the last year, with photographs, so you know what a worn chain or a cracked fork "
                "heel looks like.</p>"
            ),
        ),
        DemoSection(
            title="Keeping the load stable",
            type=SectionType.TEXT,
            content=(
                "<h2>Keeping the load stable</h2>"
                "<p>A counterbalance forklift is stable while the combined centre of gravity of truck and "
                "load stays inside the stability triangle formed by the two front wheels and the pivot "
                "point of the rear axle. Lifting high, braking hard, turning fast or driving across a slope "
                "moves the centre of gravity towards the edge of that triangle, and a truck that tips over "
                "sideways can crush its operator. Always wear the seat belt: if the truck tips, hold the "
                "wheel, brace your feet and lean away from the fall. Never jump out.</p>"
                "<h3>Rules of the road</h3>"
                "<ul>"
                "<li>Check the data plate: the rated capacity applies only at the stated load centre, "
                "usually 500 mm. A longer load reduces the capacity.</li>"
                "<li>Travel with the forks 10 to 15 cm above the floor and the mast tilted back.</li>"
                "<li>Drive in reverse when the load blocks your view, and on ramps keep the load on the "
                "uphill side.</li>"
                "<li>Slow down and sound the horn at blind corners, doorways and the yellow crossing "
                "points.</li>"
                "<li>Never lift a person on the forks or on a pallet. Use the approved work platform "
                "only.</li>"
                "</ul>"
            ),
        ),
    ),
)

_ACME_INFOSEC = DemoModule(
    title="Information Security Basics",
    description=(
        "Recognise phishing, protect your accounts and handle company data correctly. Required every year "
        "for everyone with a network account."
    ),
    difficulty=Difficulty.BEGINNER,
    status=ModuleStatus.PUBLISHED,
    category="Information Security",
    tags=("phishing", "data protection", "compliance"),
    validity_months=12,
    sections=(
        DemoSection(
            title="Spotting phishing",
            type=SectionType.TEXT,
            content=(
                "<h2>Spotting phishing</h2>"
                "<p>Most attacks on manufacturers start with an email or a phone call that persuades "
                "someone to click, pay or share a password. Phishing messages are designed to make you act "
                "before you think. Look for these warning signs:</p>"
                "<ul>"
                "<li><strong>Urgency or pressure:</strong> an invoice that must be paid today, an account "
                "that will be closed within the hour.</li>"
                "<li><strong>A mismatched sender:</strong> the display name is a colleague, but the address "
                "is from an outside domain, or the domain is slightly misspelled, such as "
                "acme-manufacturlng.com.</li>"
                "<li><strong>Unexpected attachments or links</strong>, especially to sign-in pages. Hover "
                "over a link to see where it really goes.</li>"
                "<li><strong>Requests to change bank details.</strong> Finance never changes a supplier's "
                "bank account because of an email alone; it always calls the supplier on a number already "
                "on file.</li>"
                "</ul>"
                "<h3>What to do</h3>"
                "<p>Do not click, reply or forward the message to colleagues. Use the <strong>Report "
                "Phish</strong> button in Outlook, which sends the message to the security team and removes "
                "it from your inbox. If you have already clicked a link or entered your password, call the "
                "IT service desk on extension 4357 immediately. Reporting quickly is what matters, and "
                "nobody is blamed for reporting their own mistake.</p>"
                '<p>For more examples, see the <a href="https://www.ncsc.gov.uk/guidance/phishing">NCSC '
                "guidance on phishing</a>.</p>"
            ),
        ),
        DemoSection(
            title="Passwords, MFA and your devices",
            type=SectionType.TEXT,
            content=(
                "<h2>Passwords, multi-factor authentication and your devices</h2>"
                "<p>Your network account opens email, the ERP system, drawings and this learning platform. "
                "Protect it like the key to the building.</p>"
                "<ul>"
                "<li>Use a passphrase of at least 14 characters, for example four unrelated words. Length "
                "matters more than complexity.</li>"
                "<li>Never reuse your Acme password on any other site. Keep your other passwords in the "
                "company password manager.</li>"
                "<li>Multi-factor authentication (MFA) is required for email and remote access. Approve a "
                "sign-in prompt only when you have just tried to sign in yourself. An unexpected prompt "
                "means someone else has your password: deny it and call the service desk.</li>"
                "<li>Nobody from IT will ever ask you for your password or an MFA code, by phone or by "
                "email.</li>"
                "</ul>"
                "<h3>Devices and removable media</h3>"
                "<p>Lock your screen with the Windows key and L whenever you leave your desk or shop-floor "
                "terminal. Do not plug in USB drives that you found or were given at a trade show; hand "
                "them to IT. Only company-issued laptops may connect to the internal network, and personal "
                "phones use the guest Wi-Fi.</p>"
            ),
        ),
        DemoSection(
            title="Handling company data",
            type=SectionType.VIDEO,
            video_url="https://vimeo.com/487215903",
            content=(
                "<h2>Handling company data</h2>"
                "<p>The video shows three short scenes from a normal week: a customer asking for a drawing "
                "by email, a printout left in the shared printer, and a colleague about to upload a "
                "spreadsheet to a free online converter. After watching, compare what you would have done "
                "with the rules below.</p>"
                "<table>"
                "<thead><tr><th>Class</th><th>Examples</th><th>Rule</th></tr></thead>"
                "<tbody>"
                "<tr><td>Public</td><td>Catalogue, website text</td><td>May be shared freely</td></tr>"
                "<tr><td>Internal</td><td>Procedures, shift plans</td><td>Employees only</td></tr>"
                "<tr><td>Confidential</td><td>Customer drawings, prices, personnel files</td><td>Need to "
                "know; send outside Acme only through the secure file transfer portal</td></tr>"
                "<tr><td>Restricted</td><td>Payroll, passwords, unreleased designs</td><td>Named people "
                "only; never by email</td></tr>"
                "</tbody>"
                "</table>"
                "<p>Customer drawings are covered by non-disclosure agreements, so they are always at least "
                "Confidential. Never upload company files to personal cloud storage or free conversion "
                "websites: once a file has left our systems we cannot get it back. Collect printouts at "
                "once, and put confidential paper in the locked shredding bins, not in the recycling.</p>"
            ),
        ),
    ),
    quiz=DemoQuiz(
        title="Information security check",
        passing_score=70,
        max_attempts=None,
        time_limit=None,
        questions=(
            DemoQuestion(
                type=QuestionType.MULTIPLE_CHOICE,
                text="Which of these are warning signs of phishing?",
                options=(
                    ("Pressure to pay an invoice today", True),
                    ("A sender domain that is slightly misspelled", True),
                    ("A request to change a supplier's bank details", True),
                    ("A reminder about a meeting you arranged together yesterday", False),
                ),
                points=2,
            ),
            DemoQuestion(
                type=QuestionType.SINGLE_CHOICE,
                text="You receive an MFA sign-in prompt you did not expect. What do you do?",
                options=(
                    ("Deny it and call the service desk", True),
                    ("Approve it so the prompts stop", False),
                    ("Ignore it and carry on working", False),
                ),
            ),
            DemoQuestion(
                type=QuestionType.TRUE_FALSE,
                text="IT may sometimes ask for your password by phone to fix a problem.",
                options=(("True", False), ("False", True)),
            ),
            DemoQuestion(
                type=QuestionType.SINGLE_CHOICE,
                text="How do you send a Confidential customer drawing to a supplier?",
                options=(
                    ("Through the secure file transfer portal", True),
                    ("As an email attachment", False),
                    ("As a link to your personal cloud storage", False),
                    ("On a USB drive by post", False),
                ),
            ),
        ),
    ),
)

_ACME_QUALITY = DemoModule(
    title="Quality Management with ISO 9001",
    description=(
        "How Acme's quality management system works day to day, from the process approach to handling a "
        "nonconforming part. For operators, inspectors and team leaders."
    ),
    difficulty=Difficulty.INTERMEDIATE,
    status=ModuleStatus.PUBLISHED,
    category="Quality",
    tags=("ISO 9001",),
    sections=(
        DemoSection(
            title="ISO 9001 at Acme",
            type=SectionType.TEXT,
            content=(
                "<h2>ISO 9001 at Acme</h2>"
                "<p>ISO 9001 is the international standard for quality management systems. Acme has been "
                "certified since 1998; an external certification body audits us every year, with a full "
                "recertification every three years. The current edition is <a "
                'href="https://www.iso.org/standard/62085.html">ISO 9001:2015</a>.</p>'
                "<p>The standard rests on seven quality management principles: customer focus, leadership, "
                "engagement of people, the process approach, improvement, evidence-based decision making "
                "and relationship management.</p>"
                "<h3>The process approach and PDCA</h3>"
                "<p>We manage our work as connected processes, each with defined inputs, outputs, an owner "
                "and measures. Every process runs on the Plan-Do-Check-Act cycle:</p>"
                "<ul>"
                "<li><strong>Plan:</strong> set objectives and decide how to reach them, for example a "
                "scrap rate below 1.5 % on line 3.</li>"
                "<li><strong>Do:</strong> carry out the work as planned, following the work instruction.</li>"
                "<li><strong>Check:</strong> measure the results against the plan; the shift boards show "
                "scrap, first-pass yield and on-time delivery.</li>"
                "<li><strong>Act:</strong> improve the process where results fall short, and update the "
                "work instruction.</li>"
                "</ul>"
                "<p>Risk-based thinking runs through all of this: we look for what could go wrong before it "
                "does, which is why every new part gets a process FMEA before its first production run.</p>"
            ),
        ),
        DemoSection(
            title="Handling a nonconforming part",
            type=SectionType.TEXT,
            content=(
                "<h2>Handling a nonconforming part</h2>"
                "<p>A nonconforming part is any part that does not meet its drawing, its specification or a "
                "customer requirement. Finding one is not a failure; shipping one is.</p>"
                "<ol>"
                "<li><strong>Stop and contain.</strong> Stop the operation if the cause may still be "
                "active. Move the suspect parts, including everything produced since the last good check, "
                "into the red quarantine bin and attach a red hold tag.</li>"
                "<li><strong>Record.</strong> Open a nonconformance report (NCR) in the ERP system before "
                "the end of the shift in which you found the problem, with part number, quantity, a "
                "description of the defect and photographs.</li>"
                "<li><strong>Decide.</strong> Quality engineering decides the disposition: rework, scrap, "
                "use as is with the customer's written approval, or return to the supplier.</li>"
                "<li><strong>Find the root cause.</strong> For repeated or customer-reported defects, the "
                "team runs a 5 Whys analysis and opens a corrective action (CAPA) with an owner and a due "
                "date.</li>"
                "</ol>"
                "<p>Never take a part out of a red bin or remove a hold tag yourself, even after "
                "re-measuring the part. Only quality staff may release quarantined material.</p>"
            ),
        ),
        DemoSection(
            title="The NCR form and a worked example",
            type=SectionType.ATTACHMENT,
            attachment_title="Nonconformance report form.pdf",
            content=(
                "<h2>The NCR form and a worked example</h2>"
                "<p>The attached form mirrors the NCR screen in the ERP system and is used when the system "
                "is unavailable. Its second page holds a completed example, summarised here.</p>"
                "<p><strong>What happened:</strong> during the hourly check on line 3, an operator measured "
                "a bore diameter of 12.08 mm on a hydraulic fitting; the tolerance is 12.00 to 12.05 mm. "
                "The last good check had been 50 minutes earlier.</p>"
                "<p><strong>Containment:</strong> the operator stopped the machine, quarantined the 212 "
                "parts made since the last good check and tagged the bin.</p>"
                "<p><strong>Disposition:</strong> all 212 parts were measured; 37 were out of tolerance and "
                "scrapped, and the rest were released by quality.</p>"
                "<p><strong>Root cause (5 Whys):</strong> the bore was oversized because the boring tool "
                "had worn; the tool had worn because it stayed in use past its planned life; it stayed in "
                "use because the tool-life counter had been reset by mistake during a program edit.</p>"
                "<p><strong>Corrective action:</strong> the tool-life counter was locked in the machine "
                "program, and the setup work instruction now includes a counter check. The CAPA was closed "
                "after 30 days without a recurrence.</p>"
            ),
        ),
    ),
    quiz=DemoQuiz(
        title="ISO 9001 knowledge check",
        passing_score=75,
        max_attempts=2,
        time_limit=15,
        questions=(
            DemoQuestion(
                type=QuestionType.SINGLE_CHOICE,
                text="What does the A in the PDCA cycle stand for?",
                options=(("Act", True), ("Audit", False), ("Approve", False), ("Analyse", False)),
            ),
            DemoQuestion(
                type=QuestionType.MULTIPLE_CHOICE,
                text="Which of these are among the seven quality management principles?",
                options=(
                    ("Customer focus", True),
                    ("Evidence-based decision making", True),
                    ("Engagement of people", True),
                    ("Lowest-cost purchasing", False),
                ),
                points=2,
            ),
            DemoQuestion(
                type=QuestionType.TRUE_FALSE,
                text="An operator may release parts from a red quarantine bin after re-measuring them.",
                options=(("True", False), ("False", True)),
            ),
            DemoQuestion(
                type=QuestionType.SINGLE_CHOICE,
                text="When must an NCR be opened?",
                options=(
                    ("Before the end of the shift in which the problem was found", True),
                    ("Within one week", False),
                    ("Only when a customer complains", False),
                ),
            ),
        ),
    ),
)

_ACME_EXCEL = DemoModule(
    title="Excel for Production Analysts",
    description=(
        "Turn raw ERP exports into reliable production reports with tables, XLOOKUP, PivotTables and Power "
        "Query. Draft: the exercises are still being reviewed by the planning team."
    ),
    difficulty=Difficulty.ADVANCED,
    status=ModuleStatus.DRAFT,
    category="Professional Skills",
    tags=("Excel",),
    sections=(
        DemoSection(
            title="Start with a proper table",
            type=SectionType.TEXT,
            content=(
                "<h2>Start with a proper table</h2>"
                "<p>Most broken production reports fail for the same reason: their formulas point at fixed "
                "ranges, and next week's export has more rows. Before doing anything else with an ERP "
                "export, convert it into an Excel table with Ctrl+T and give it a meaningful name, such as "
                "tblScrap, on the Table Design tab.</p>"
                "<ul>"
                "<li>Formulas that refer to a table grow automatically when rows are added.</li>"
                "<li>Structured references such as tblScrap[Quantity] read like sentences and survive moved "
                "columns.</li>"
                "<li>A calculated column fills the same formula into every row, so nobody overwrites a "
                "single cell by accident.</li>"
                "</ul>"
                "<h3>Lookups with XLOOKUP</h3>"
                "<p>Use XLOOKUP instead of VLOOKUP. It looks in any direction, defaults to an exact match "
                "and does not break when columns are inserted. To bring the machine name into the scrap "
                "table, use <strong>=XLOOKUP([@MachineID], tblMachines[ID], tblMachines[Name], "
                '"Unknown")</strong>. The fourth argument replaces the #N/A error with a readable value, '
                "which makes missing master data easy to spot.</p>"
                "<p>Keep raw data, lookups and reports on separate sheets. Never type numbers into a report "
                "sheet by hand: if a number cannot be traced back to the export, nobody can trust the "
                "report.</p>"
            ),
        ),
        DemoSection(
            title="PivotTables and Power Query",
            type=SectionType.VIDEO,
            video_url="https://www.youtube.com/watch?v=J4pLw8eVtR0",
            content=(
                "<h2>PivotTables and Power Query</h2>"
                "<p>The video builds the weekly scrap report from scratch in fifteen minutes. It uses two "
                "tools that every analyst at Acme should master.</p>"
                "<h3>PivotTables</h3>"
                "<p>A PivotTable summarises thousands of rows in seconds: scrap quantity by line and week, "
                "downtime by cause, output by shift. Build it from a table rather than a fixed range, and "
                "refresh it with Data, Refresh All after loading new data. Add slicers for line and shift "
                "so that supervisors can filter the report without editing the pivot.</p>"
                "<h3>Power Query</h3>"
                "<p>Power Query, under Data, Get Data, records every cleaning step you take: removing "
                "header rows, splitting the part number, changing text into dates. Next week you simply "
                "refresh, and the same steps run again on the new export. Some rules of thumb:</p>"
                "<ul>"
                "<li>Set data types explicitly as the last step, so dates and decimals are not interpreted "
                "differently on another computer.</li>"
                "<li>Rename each step so that a colleague can follow the logic.</li>"
                "<li>Load the result into a new table or the data model, never on top of the raw export.</li>"
                "</ul>"
            ),
        ),
    ),
)

_ACME_PHONE = DemoModule(
    title="Customer Service on the Phone (2021)",
    description=(
        "Call handling standards of the former customer service desk. Archived in 2024, when order "
        "enquiries moved to the customer portal; kept for the training records of past participants."
    ),
    difficulty=Difficulty.BEGINNER,
    status=ModuleStatus.ARCHIVED,
    category="Professional Skills",
    tags=("customer service",),
    sections=(
        DemoSection(
            title="Answering the call",
            type=SectionType.TEXT,
            content=(
                "<h2>Answering the call</h2>"
                "<p>Every call to the customer service desk was a chance to keep or to lose a customer. The "
                "desk standard was to answer within three rings and to open every call the same way: a "
                "greeting, the company, your name and an offer to help, for example: Good morning, Acme "
                "Manufacturing, this is Sam, how can I help?</p>"
                "<ul>"
                "<li>Smile while you speak; it changes your tone, and callers can hear it.</li>"
                "<li>Write down the caller's name and company at once, and use the name during the call.</li>"
                "<li>Ask for the purchase order or part number early, so you can open the order in the ERP "
                "system while you listen.</li>"
                "<li>Never leave a caller on hold for more than 60 seconds without coming back to them; if "
                "you need longer, offer to call back.</li>"
                "</ul>"
                "<p>Before ending the call, summarise what was agreed, tell the caller what happens next "
                "and by when, and thank them for calling. Log the call in the CRM with the order number and "
                "the promised follow-up date while the details are still fresh.</p>"
            ),
        ),
        DemoSection(
            title="Handling an unhappy customer",
            type=SectionType.TEXT,
            content=(
                "<h2>Handling an unhappy customer</h2>"
                "<p>Complaints usually reached the desk by phone, often from a buyer whose own production "
                "line was waiting for our parts. The desk used the LAST method:</p>"
                "<ol>"
                "<li><strong>Listen</strong> without interrupting until the customer has finished, and note "
                "the facts: part numbers, quantities, dates.</li>"
                "<li><strong>Apologise</strong> for the inconvenience. An apology is not an admission of "
                "fault; it acknowledges that the customer has a problem.</li>"
                "<li><strong>Solve:</strong> explain what you will do now, such as checking stock for an "
                "expedited replacement, and what needs a decision from quality engineering.</li>"
                "<li><strong>Thank</strong> the customer for telling us, because a complaint we hear about "
                "is one we can fix.</li>"
                "</ol>"
                "<p>Promise only what you control. When a decision belongs to quality or logistics, promise "
                "a call back within 24 hours and keep that promise, even if the only news is that the "
                "investigation is still running. Every complaint was logged in the CRM and passed to "
                "quality as a customer complaint, which opened an NCR.</p>"
            ),
        ),
    ),
)

ACME = DemoTenant(
    slug="acme",
    name="Acme Manufacturing",
    locale="en",
    plan=TenantPlan.PRO,
    theme=TenantTheme.OCEAN,
    categories=("Onboarding", "Health and Safety", "Quality", "Information Security", "Professional Skills"),
    tags=(
        "onboarding",
        "compliance",
        "PPE",
        "LOTO",
        "forklift",
        "ISO 9001",
        "phishing",
        "data protection",
        "Excel",
        "customer service",
    ),
    modules=(
        _ACME_WELCOME,
        _ACME_SAFETY,
        _ACME_LOTO,
        _ACME_FORKLIFT,
        _ACME_INFOSEC,
        _ACME_QUALITY,
        _ACME_EXCEL,
        _ACME_PHONE,
    ),
    groups=(
        DemoGroup(
            name="Production floor",
            color="#1d4ed8",
            description="Operators, setup technicians and maintenance in Plants 1 and 2.",
            members=("mentor", "learner1", "learner2", "learner3"),
            assignments=(
                DemoAssignment(module="Workplace Safety Essentials", deadline_days=30, mandatory=True),
                DemoAssignment(module="Lockout/Tagout for Maintenance and Setup", deadline_days=60, mandatory=True),
                DemoAssignment(module="Forklift Pre-Shift Inspection", deadline_days=None, mandatory=False),
            ),
        ),
        DemoGroup(
            name="Office",
            color="#15803d",
            description="Planning, purchasing, finance, HR and customer service staff.",
            members=("hr", "learner1", "learner4"),
            assignments=(
                DemoAssignment(module="Information Security Basics", deadline_days=14, mandatory=True),
                DemoAssignment(module="Quality Management with ISO 9001", deadline_days=None, mandatory=False),
            ),
        ),
        DemoGroup(
            name="New hires",
            color="#ea580c",
            description="Everyone in their first 90 days at Acme, whatever their department.",
            members=("mentor", "learner5"),
            assignments=(
                DemoAssignment(module="Welcome to Acme Manufacturing", deadline_days=7, mandatory=True),
                DemoAssignment(module="Workplace Safety Essentials", deadline_days=14, mandatory=True),
                DemoAssignment(module="Quality Management with ISO 9001", deadline_days=None, mandatory=False),
            ),
        ),
    ),
    user_names={
        "owner": "Margaret Ellison",
        "hr": "Priya Raman",
        "mentor": "Tom Whitaker",
        "learner1": "Daniel Okafor",
        "learner2": "Sofia Marquez",
        "learner3": "Kevin Brooks",
        "learner4": "Hannah Lee",
        "learner5": "Marcus Green",
        "viewer": "Laura Chen",
    },
)


# --- Globex d.o.o. (sl) -------------------------------------------------------------------------

_GLOBEX_WELCOME = DemoModule(
    title="Dobrodošli v Globexu",
    description=(
        "Prvi koraki v podjetju: kdo smo, kako delamo in na koga se lahko obrnete. Začnite tukaj, še "
        "preden odprete katerikoli drug modul."
    ),
    difficulty=Difficulty.BEGINNER,
    status=ModuleStatus.PUBLISHED,
    category="Uvajanje",
    tags=("novi sodelavci",),
    mentored=True,
    sections=(
        DemoSection(
            title="Kdo smo",
            type=SectionType.TEXT,
            content=(
                "<h2>Kdo smo</h2>"
                "<p>Globex d.o.o. je slovensko distribucijsko podjetje, ustanovljeno leta 1994. Trgovskim "
                "verigam, specializiranim trgovinam in spletnim trgovcem v Sloveniji in na Hrvaškem "
                "dobavljamo male gospodinjske aparate, izdelke za osebno nego in drogerijske izdelke več "
                "kot štiridesetih blagovnih znamk. Zaposlujemo 120 ljudi: prodaja in uprava delata na "
                "sedežu v Ljubljani, distribucijski center z 8.000 paletnimi mesti pa je v Celju.</p>"
                "<h3>Kako delamo</h3>"
                "<ul>"
                "<li><strong>Kupec je partner.</strong> Naši kupci živijo od tega, da je blago pravočasno "
                "na polici, zato obljubimo samo to, kar lahko izpolnimo.</li>"
                "<li><strong>Odkrito in spoštljivo.</strong> Napake povemo na glas in jih rešujemo skupaj, "
                "brez iskanja krivca.</li>"
                "<li><strong>Red na polici in v podatkih.</strong> Pravilna zaloga v sistemu je enako "
                "pomembna kot pravilna zaloga v skladišču.</li>"
                "<li><strong>Vsak dan malo bolje.</strong> Predloge za izboljšave lahko oddate kar na tej "
                "platformi, vodstvo pa jih pregleda vsak teden.</li>"
                "</ul>"
                "<p>Delovni čas na sedežu je gibljiv: prihod med 7.00 in 9.00, obvezna prisotnost od 9.00 "
                "do 14.00. V distribucijskem centru delamo v dveh izmenah, od 6.00 do 14.00 in od 14.00 do "
                "22.00. Prisotnost beležite z identifikacijsko kartico ob vhodu.</p>"
            ),
        ),
        DemoSection(
            title="Sprehod po distribucijskem centru",
            type=SectionType.VIDEO,
            video_url="https://www.youtube.com/watch?v=Tn5yV0cKd2Q",
            content=(
                "<h2>Sprehod po distribucijskem centru</h2>"
                "<p>V desetminutnem videu sledimo paleti od prihoda tovornjaka na rampo do odpreme naročila "
                "kupcu. Oglejte si ga, tudi če boste delali v pisarni: večina vprašanj kupcev se nanaša "
                "prav na to, kar se dogaja v skladišču.</p>"
                "<h3>Na kaj bodite pozorni</h3>"
                "<ul>"
                "<li>Rumene talne oznake označujejo poti za pešce. Zunaj njih imajo prednost viličarji.</li>"
                "<li>V skladiščnem delu sta obvezna zaščitna obutev in odsevni brezrokavnik, ki ju dobite "
                "prvi dan.</li>"
                "<li>Blago z rdečo nalepko čaka na odločitev o reklamaciji in se ga ne sme odpremiti.</li>"
                "<li>Zbirno mesto ob evakuaciji je parkirišče pred upravno stavbo.</li>"
                "</ul>"
                "<p>Po ogledu vas bo mentor v prvem tednu osebno popeljal po isti poti in vam predstavil "
                "vodje izmen. Vprašajte vse, kar vas zanima: vsak od nas je bil nekoč nov.</p>"
            ),
        ),
        DemoSection(
            title="Vaš prvi teden",
            type=SectionType.ATTACHMENT,
            attachment_title="Priročnik za nove sodelavce.pdf",
            content=(
                "<h2>Vaš prvi teden</h2>"
                "<p>V priloženem priročniku so zbrani vsi praktični podatki: kontakti, organigram, pravila "
                "o malici in letnem dopustu ter navodila za prijavo v informacijske sisteme. Spodaj je "
                "povzetek prvega tedna.</p>"
                "<ol>"
                "<li><strong>Ponedeljek:</strong> podpis dokumentacije v kadrovski službi, prevzem kartice, "
                "prenosnika in službenega telefona ter prva prijava v sistem ERP.</li>"
                "<li><strong>Torek:</strong> usposabljanje iz varnosti in zdravja pri delu ter požarne "
                "varnosti, ki ga morate opraviti, preden začnete samostojno delati.</li>"
                "<li><strong>Sreda:</strong> modul o varstvu osebnih podatkov in dan, ki ga preživite z "
                "mentorjem pri njegovem delu.</li>"
                "<li><strong>Petek:</strong> kratek pogovor z vodjo, na katerem se dogovorite o ciljih za "
                "prvih 30 dni.</li>"
                "</ol>"
                "<p>Podoben pogovor vas čaka po 30, 60 in 90 dneh. Če vam karkoli manjka, na primer oprema "
                "ali dostop do sistema, to še isti dan povejte mentorju ali pišite kadrovski službi. Ne "
                "čakajte na naslednji pogovor, saj je težavo skoraj vedno mogoče rešiti v nekaj minutah.</p>"
            ),
        ),
    ),
)

_GLOBEX_SAFETY = DemoModule(
    title="Varnost in zdravje pri delu",
    description=(
        "Pravice in dolžnosti delavcev po Zakonu o varnosti in zdravju pri delu, požarna varnost in "
        "ravnanje ob nezgodi. Obvezno usposabljanje, ki ga obnovite vsako leto."
    ),
    difficulty=Difficulty.BEGINNER,
    status=ModuleStatus.PUBLISHED,
    category="Varnost in skladnost",
    tags=("obvezno", "požarna varnost"),
    validity_months=12,
    sections=(
        DemoSection(
            title="Vaše pravice in dolžnosti",
            type=SectionType.TEXT,
            content=(
                "<h2>Vaše pravice in dolžnosti</h2>"
                "<p>Zakon o varnosti in zdravju pri delu (ZVZD-1) delodajalcu nalaga, da oceni tveganja na "
                "vseh delovnih mestih in jih zapiše v izjavo o varnosti z oceno tveganja. Izjava za Globex "
                "je na voljo v kadrovski službi in na intranetu, povzetek za vaše delovno mesto pa ste "
                "prejeli ob zaposlitvi.</p>"
                "<h3>Vaše dolžnosti</h3>"
                "<ul>"
                "<li>Delo opravljajte v skladu z navodili za varno delo in se udeležite predpisanih "
                "usposabljanj.</li>"
                "<li>Uporabljajte predpisano osebno varovalno opremo (OVO): v skladišču zaščitno obutev in "
                "odsevni brezrokavnik, pri rezanju folije in trakov zaščitne rokavice.</li>"
                "<li>Delovna sredstva uporabljajte samo za namen, za katerega so izdelana, in samo, če ste "
                "zanje usposobljeni. Viličar sme voziti le delavec z veljavnim izpitom za voznika "
                "viličarja.</li>"
                "<li>Vsako nevarnost, okvaro ali poškodbo takoj sporočite vodji.</li>"
                "</ul>"
                "<h3>Vaše pravice</h3>"
                "<p>Delavec ima pravico odkloniti delo, če mu grozi neposredna nevarnost za življenje ali "
                "zdravje, ker niso bili izvedeni predpisani varnostni ukrepi. Zaradi tega ne sme utrpeti "
                "škodljivih posledic. O svoji odločitvi takoj obvestite vodjo in strokovnega delavca za "
                "varnost pri delu, da lahko nevarnost odpravita.</p>"
            ),
        ),
        DemoSection(
            title="Požarna varnost in evakuacija",
            type=SectionType.MIXED,
            video_url="https://vimeo.com/623184097",
            attachment_title="Načrt evakuacije - distribucijski center Celje.pdf",
            content=(
                "<h2>Požarna varnost in evakuacija</h2>"
                "<p>Oglejte si kratek posnetek lanske evakuacijske vaje in preučite priloženi načrt "
                "evakuacije za stavbo, v kateri delate. Načrt je izobešen tudi ob vsakem glavnem izhodu.</p>"
                "<h3>Ko zaslišite alarm</h3>"
                "<ol>"
                "<li>Prekinite delo, izklopite naprave, če je to mogoče brez nevarnosti, in viličar "
                "parkirajte tako, da ne ovira poti.</li>"
                "<li>Stavbo zapustite po najbližji označeni evakuacijski poti. Ne uporabljajte dvigala in "
                "se ne vračajte po osebne stvari.</li>"
                "<li>Pojdite na zbirno mesto na parkirišču pred upravno stavbo.</li>"
                "<li>Javite se vodji evakuacije v oranžnem brezrokavniku, ki preveri, ali so prisotni vsi "
                "iz izmene.</li>"
                "<li>Na delovno mesto se vrnite šele, ko to dovoli vodja evakuacije.</li>"
                "</ol>"
                "<h3>Če odkrijete požar</h3>"
                "<p>Sprožite najbližji ročni javljalnik požara in pokličite 112. Začetni požar lahko "
                "poskusite pogasiti z gasilnikom le, če ste za to usposobljeni in imate za seboj prosto pot "
                "umika. Evakuacijske poti ter dostop do gasilnikov in hidrantov morajo biti vedno prosti: "
                "palete, ki jih ovirajo, takoj umaknite ali o njih obvestite vodjo izmene.</p>"
            ),
        ),
        DemoSection(
            title="Ko se zgodi nezgoda",
            type=SectionType.TEXT,
            content=(
                "<h2>Ko se zgodi nezgoda</h2>"
                "<p>Tudi manjšo poškodbo, kot je urez z nožem za odpiranje kartonov, je treba zabeležiti. "
                "Le tako ugotovimo, kje so tveganja večja, kot smo jih ocenili.</p>"
                "<ol>"
                "<li><strong>Poskrbite za poškodovanca.</strong> Nudite prvo pomoč, če ste za to "
                "usposobljeni, ali pokličite sodelavca, ki je usposobljen zanjo; njihova imena so navedena "
                "na omarici za prvo pomoč. Pri hujši poškodbi takoj pokličite 112.</li>"
                "<li><strong>Zavarujte kraj.</strong> Ustavite napravo ali viličar in preprečite, da bi se "
                "poškodoval še kdo. Po hujši nezgodi kraja ne spreminjajte, dokler tega ne dovoli "
                "vodja.</li>"
                "<li><strong>Obvestite vodjo</strong> takoj, še med izmeno.</li>"
                "<li><strong>Izpolnite prijavo nezgode</strong> skupaj z vodjo še isti dan; obrazec je v "
                "sistemu ERP v meniju Kadri.</li>"
                "</ol>"
                "<p>Delodajalec mora Inšpektoratu Republike Slovenije za delo takoj pisno prijaviti vsako "
                "smrtno in kolektivno nezgodo ter nezgodo, zaradi katere je delavec nezmožen za delo več "
                "kot tri delovne dni. Prijaviti mora tudi nevarne pojave in ugotovljene poklicne bolezni. "
                "Zato mora vodja za nezgodo izvedeti takoj in ne šele ob naslednji izmeni.</p>"
                "<h3>Skoraj nezgode</h3>"
                "<p>Skoraj nezgoda je dogodek, ki bi lahko povzročil poškodbo, pa je ni, na primer karton, "
                "ki pade z regala tik ob sodelavcu. Tudi skoraj nezgode sporočite vodji, saj so najcenejše "
                "opozorilo, da je treba nekaj spremeniti.</p>"
            ),
        ),
    ),
    quiz=DemoQuiz(
        title="Preverjanje znanja: varnost in zdravje pri delu",
        passing_score=80,
        max_attempts=None,
        time_limit=10,
        questions=(
            DemoQuestion(
                type=QuestionType.SINGLE_CHOICE,
                text="Kaj storite, ko zaslišite požarni alarm?",
                options=(
                    ("Prekinem delo in po najbližji označeni poti odidem na zbirno mesto", True),
                    ("Z dvigalom se odpeljem v pritličje", False),
                    ("Na delovnem mestu počakam na navodila vodje", False),
                    ("Najprej vzamem osebne stvari iz garderobe", False),
                ),
            ),
            DemoQuestion(
                type=QuestionType.MULTIPLE_CHOICE,
                text="Katere nezgode mora delodajalec takoj prijaviti Inšpektoratu RS za delo?",
                options=(
                    ("Smrtno nezgodo", True),
                    ("Kolektivno nezgodo", True),
                    ("Nezgodo, zaradi katere je delavec nezmožen za delo več kot tri delovne dni", True),
                    ("Vsako prasko, oskrbljeno z obližem", False),
                ),
                points=2,
            ),
            DemoQuestion(
                type=QuestionType.TRUE_FALSE,
                text=(
                    "Delavec sme odkloniti delo, če mu grozi neposredna nevarnost za življenje ali zdravje, "
                    "ker niso bili izvedeni predpisani varnostni ukrepi."
                ),
                options=(("Drži", True), ("Ne drži", False)),
            ),
            DemoQuestion(
                type=QuestionType.SINGLE_CHOICE,
                text="Kje je zbirno mesto ob evakuaciji?",
                options=(
                    ("Na parkirišču pred upravno stavbo", True),
                    ("Na nakladalni rampi", False),
                    ("V jedilnici", False),
                ),
            ),
            DemoQuestion(
                type=QuestionType.TRUE_FALSE,
                text="Skoraj nezgode ni treba sporočiti, če se nihče ni poškodoval.",
                options=(("Drži", False), ("Ne drži", True)),
            ),
        ),
    ),
)

_GLOBEX_GDPR = DemoModule(
    title="Varstvo osebnih podatkov (GDPR)",
    description=(
        "Kako zakonito in varno ravnamo z osebnimi podatki kupcev, dobaviteljev in sodelavcev ter kaj "
        "storiti ob kršitvi. Obvezno za vse, ki delajo z informacijskimi sistemi."
    ),
    difficulty=Difficulty.INTERMEDIATE,
    status=ModuleStatus.PUBLISHED,
    category="Varnost in skladnost",
    tags=("GDPR", "obvezno"),
    validity_months=24,
    sections=(
        DemoSection(
            title="Osnovni pojmi in načela",
            type=SectionType.TEXT,
            content=(
                "<h2>Osnovni pojmi in načela</h2>"
                "<p>Splošna uredba o varstvu podatkov (GDPR) velja v vseh državah Evropske unije, v "
                "Sloveniji pa jo dopolnjuje Zakon o varstvu osebnih podatkov (ZVOP-2). Besedilo uredbe je "
                "dostopno na portalu <a "
                'href="https://eur-lex.europa.eu/eli/reg/2016/679/oj">EUR-Lex</a>.</p>'
                "<p><strong>Osebni podatek</strong> je vsak podatek, ki se nanaša na določeno ali "
                "določljivo fizično osebo: ime in priimek, službeni e-naslov kontaktne osebe pri kupcu, "
                "njena telefonska številka, registrska številka dostavnega vozila ali posnetek "
                "videonadzora. Podatki o podjetjih, na primer davčna številka družbe, niso osebni podatki "
                "(razen pri samostojnih podjetnikih), podatki o njihovih zaposlenih pa so.</p>"
                "<h3>Načela obdelave</h3>"
                "<ul>"
                "<li><strong>Zakonitost, poštenost in preglednost:</strong> za vsako obdelavo potrebujemo "
                "pravno podlago, na primer pogodbo, zakon ali privolitev.</li>"
                "<li><strong>Omejitev namena:</strong> podatkov, zbranih za dostavo, ne uporabimo za "
                "oglaševanje brez privolitve.</li>"
                "<li><strong>Najmanjši obseg podatkov:</strong> zbiramo samo tisto, kar res potrebujemo.</li>"
                "<li><strong>Točnost</strong> in <strong>omejitev shranjevanja:</strong> podatke popravimo, "
                "ko se spremenijo, in jih izbrišemo, ko jih ne potrebujemo več.</li>"
                "<li><strong>Celovitost in zaupnost:</strong> podatke varujemo pred nepooblaščenim "
                "dostopom, izgubo in uničenjem.</li>"
                "</ul>"
                "<p>Za spoštovanje vseh načel je odgovoren upravljavec, torej Globex, ki mora skladnost "
                "znati tudi dokazati.</p>"
            ),
        ),
        DemoSection(
            title="Pravice posameznikov",
            type=SectionType.TEXT,
            content=(
                "<h2>Pravice posameznikov</h2>"
                "<p>Posamezniki, katerih podatke obdelujemo, imajo po GDPR pravico do dostopa, popravka, "
                "izbrisa, omejitve obdelave, prenosljivosti podatkov in ugovora. Zahteva lahko prispe "
                "kamorkoli: po e-pošti komercialistu, v klicni center ali po navadni pošti.</p>"
                "<h3>Kako ravnate, ko prejmete zahtevo</h3>"
                "<ol>"
                "<li>Zahteve ne rešujte sami, tudi če posameznika dobro poznate. Isti dan jo posredujte "
                "pooblaščeni osebi za varstvo osebnih podatkov (DPO) na interni naslov, objavljen na "
                "intranetu.</li>"
                "<li>Posamezniku potrdite, da ste zahtevo prejeli in da jo obravnavamo.</li>"
                "<li>Ne posredujte nobenih podatkov, dokler DPO ne preveri identitete vlagatelja.</li>"
                "</ol>"
                "<p>Na zahtevo moramo odgovoriti brez nepotrebnega odlašanja, najpozneje v enem mesecu od "
                "prejema. V zapletenih primerih se rok lahko podaljša za največ dva meseca, vendar mora "
                "posameznik o tem izvedeti že v prvem mesecu. Rok teče od dneva, ko je zahtevo prejel "
                "katerikoli zaposleni, zato vsak dan zamude pri posredovanju skrajša čas za pripravo "
                "odgovora.</p>"
                "<h3>Odjava od novic</h3>"
                "<p>Če kontaktna oseba pri kupcu ne želi več prejemati naših novic, jo isti dan odjavite v "
                "sistemu CRM. Ugovor neposrednemu trženju velja vedno in ga ni treba utemeljiti.</p>"
            ),
        ),
        DemoSection(
            title="Varno vsakdanje delo in kršitve",
            type=SectionType.MIXED,
            video_url="https://www.youtube.com/watch?v=Lr8cW1nQ3sM",
            attachment_title="Postopek ob kršitvi varnosti osebnih podatkov.pdf",
            content=(
                "<h2>Varno vsakdanje delo in kršitve</h2>"
                "<p>Video prikazuje pet vsakdanjih situacij iz prodaje in skladišča. Večina kršitev ni "
                "posledica napada hekerjev, temveč nepazljivosti.</p>"
                "<ul>"
                "<li>Ko pošiljate sporočilo več zunanjim prejemnikom, jih vpišite v polje skrita kopija "
                "(BCC), da ne razkrijete njihovih e-naslovov.</li>"
                "<li>Seznamov kupcev in kontaktov nikoli ne pošiljajte na zasebni e-naslov in jih ne "
                "shranjujte na zasebne naprave ali v zasebno oblačno shrambo.</li>"
                "<li>Ko zapustite delovno mesto, zaklenite računalnik, dokumente z osebnimi podatki pa "
                "pospravite v zaklenjen predal.</li>"
                "<li>Dobavnice in izpise z imeni in naslovi uničite v uničevalniku dokumentov, ne v smeteh "
                "za papir.</li>"
                "</ul>"
                "<h3>Kaj je kršitev in kaj storiti</h3>"
                "<p>Kršitev varnosti osebnih podatkov je vsak dogodek, pri katerem so podatki izgubljeni, "
                "uničeni, spremenjeni ali razkriti nepooblaščenim osebam: sporočilo, poslano napačnemu "
                "prejemniku, izgubljen prenosnik ali okužba z izsiljevalskim virusom. Kršitev takoj, tudi "
                "zunaj delovnega časa, sporočite DPO po postopku iz priloge, nato pa šele poskušajte škodo "
                "omejiti.</p>"
                "<p>Če kršitev predstavlja tveganje za posameznike, jo mora Globex brez nepotrebnega "
                "odlašanja in, kadar je izvedljivo, najpozneje v 72 urah prijaviti <a "
                'href="https://www.ip-rs.si/">Informacijskemu pooblaščencu</a>. Rok teče od trenutka, ko za '
                "kršitev izvemo, zato ne smemo izgubljati časa.</p>"
            ),
        ),
    ),
    quiz=DemoQuiz(
        title="Preverjanje znanja: varstvo osebnih podatkov",
        passing_score=80,
        max_attempts=3,
        time_limit=None,
        questions=(
            DemoQuestion(
                type=QuestionType.SINGLE_CHOICE,
                text="V kolikšnem času moramo odgovoriti na zahtevo posameznika za dostop do podatkov?",
                options=(
                    ("Najpozneje v enem mesecu od prejema", True),
                    ("V 72 urah", False),
                    ("V šestih mesecih", False),
                    ("Rok ni določen", False),
                ),
            ),
            DemoQuestion(
                type=QuestionType.MULTIPLE_CHOICE,
                text="Kateri od naštetih podatkov so osebni podatki?",
                options=(
                    ("Službeni e-naslov kontaktne osebe pri kupcu", True),
                    ("Posnetek videonadzora", True),
                    ("Davčna številka družbe", False),
                    ("Telefonska številka kontaktne osebe pri kupcu", True),
                ),
                points=2,
            ),
            DemoQuestion(
                type=QuestionType.TRUE_FALSE,
                text="Zahtevo za izbris podatkov lahko rešim sam, če posameznika dobro poznam.",
                options=(("Drži", False), ("Ne drži", True)),
            ),
            DemoQuestion(
                type=QuestionType.SINGLE_CHOICE,
                text="Seznam kupcev ste po pomoti poslali napačnemu prejemniku. Kaj storite najprej?",
                options=(
                    ("Takoj obvestim DPO", True),
                    ("Počakam, ali se bo prejemnik oglasil", False),
                    ("Sporočilo izbrišem iz mape Poslano", False),
                ),
            ),
            DemoQuestion(
                type=QuestionType.TRUE_FALSE,
                text="Rok 72 ur za prijavo kršitve pooblaščencu teče od trenutka, ko za kršitev izvemo.",
                options=(("Drži", True), ("Ne drži", False)),
            ),
        ),
    ),
)

_GLOBEX_SALES = DemoModule(
    title="Prodajne veščine: od potrebe do ponudbe",
    description=(
        "Kako s pravimi vprašanji ugotovimo, kaj kupec res potrebuje, predstavimo koristi namesto lastnosti "
        "in mirno odgovorimo na ugovore. Za komercialiste in skrbnike ključnih kupcev."
    ),
    difficulty=Difficulty.INTERMEDIATE,
    status=ModuleStatus.PUBLISHED,
    category="Prodaja in stranke",
    tags=("prodaja",),
    mentored=True,
    sections=(
        DemoSection(
            title="Ugotavljanje potreb",
            type=SectionType.TEXT,
            content=(
                "<h2>Ugotavljanje potreb</h2>"
                "<p>Dober prodajni pogovor je večinoma poslušanje. Preden kupcu ponudite izdelek, morate "
                "razumeti njegov položaj: kakšne so njegove prodajalne, kateri izdelki se mu prodajajo "
                "slabo in kaj ga pri sedanjem dobavitelju moti.</p>"
                "<h3>Vprašanja SPIN</h3>"
                "<ul>"
                "<li><strong>Situacijska vprašanja</strong> razjasnijo dejstva: Koliko prodajaln oskrbujete "
                "iz enega skladišča? Postavite jih malo, saj kupca hitro utrudijo.</li>"
                "<li><strong>Problemska vprašanja</strong> odkrijejo težave: Kako pogosto vam aparatov za "
                "kavo zmanjka pred koncem meseca?</li>"
                "<li><strong>Implikacijska vprašanja</strong> pokažejo posledice težave: Koliko prodaje "
                "izgubite, če je polica en teden prazna?</li>"
                "<li><strong>Vprašanja o koristi</strong> spodbudijo kupca, da sam izrazi vrednost rešitve: "
                "Kaj bi vam pomenilo, če bi blago vedno prispelo v 48 urah?</li>"
                "</ul>"
                "<p>Uporabljajte odprta vprašanja, ki se začnejo s kako, kaj, koliko ali zakaj, in si "
                "sproti delajte zapiske. Ko kupec konča, povzemite, kar ste slišali, in ga vprašajte, ali "
                "ste ga prav razumeli. Šele nato predstavite rešitev.</p>"
                "<h3>Po sestanku</h3>"
                "<p>Povzetek pogovora in dogovorjene naslednje korake vnesite v CRM najpozneje v 24 urah, "
                "dokler so podrobnosti še sveže. Tako jih vidi tudi sodelavec, ki vas nadomešča med "
                "dopustom.</p>"
            ),
        ),
        DemoSection(
            title="Lastnosti, prednosti, koristi",
            type=SectionType.VIDEO,
            video_url="https://www.youtube.com/watch?v=Fe2hR6uBp1k",
            content=(
                "<h2>Lastnosti, prednosti, koristi</h2>"
                "<p>V videu naša komercialistka predstavi isti sesalnik dvema različnima kupcema: nabavniku "
                "velike trgovske verige in lastniku specializirane trgovine. Opazujte, kako predstavitev "
                "prilagodi sogovorniku.</p>"
                "<p>Kupci ne kupujejo lastnosti, temveč to, kar jim lastnosti prinesejo. Pri predstavitvi "
                "uporabite zaporedje lastnost, prednost, korist:</p>"
                "<table>"
                "<thead><tr><th>Lastnost</th><th>Prednost</th><th>Korist za kupca</th></tr></thead>"
                "<tbody>"
                "<tr><td>Dobava v 48 urah iz Celja</td><td>Manjša lastna zaloga</td><td>Manj vezanega "
                "denarja in prostora v skladišču</td></tr>"
                "<tr><td>Embalaža, pripravljena za polico</td><td>Hitrejše polnjenje polic</td><td>Manj ur "
                "dela v prodajalni</td></tr>"
                "<tr><td>Promocijski material v slovenščini</td><td>Izdelek je na polici bolj "
                "opazen</td><td>Večja prodaja v akcijskem tednu</td></tr>"
                "</tbody>"
                "</table>"
                "<p>Korist mora biti vedno povezana s potrebo, ki ste jo odkrili v pogovoru. Če je nabavnik "
                "povedal, da ima premalo prostora v skladišču, je dobava v 48 urah zanj najmočnejši "
                "argument; lastniku majhne trgovine je morda pomembnejši promocijski material. Ena prava "
                "korist prepriča bolj kot deset naštetih lastnosti.</p>"
            ),
        ),
        DemoSection(
            title="Odgovarjanje na ugovore",
            type=SectionType.TEXT,
            content=(
                "<h2>Odgovarjanje na ugovore</h2>"
                "<p>Ugovor ni zavrnitev, temveč znak, da kupca nekaj še skrbi. Najpogostejši ugovori v "
                "našem poslu so cena, obstoječi dobavitelj in strah pred neprodano zalogo. Na vse "
                "odgovorite po istem postopku:</p>"
                "<ol>"
                "<li><strong>Poslušajte</strong> do konca in ne segajte v besedo.</li>"
                "<li><strong>Potrdite</strong>, da ste ugovor slišali: Razumem, cena je za vas pomembna. "
                "Potrditev ne pomeni, da se strinjate.</li>"
                "<li><strong>Razjasnite</strong> z vprašanjem, kaj je za ugovorom: V primerjavi s čim se "
                "vam zdi cena visoka?</li>"
                "<li><strong>Odgovorite</strong> s koristjo, ki se navezuje na kupčevo potrebo, ali s "
                "konkretnim dokazom, na primer s podatki o prodaji pri podobnem kupcu.</li>"
                "<li><strong>Preverite</strong>, ali je odgovor kupca prepričal: Ali je s tem vprašanje "
                "cene rešeno?</li>"
                "</ol>"
                "<h3>Popusti</h3>"
                "<p>Popusta nikoli ne ponudite kot prvi odgovor na ugovor o ceni. Komercialist lahko "
                "samostojno odobri največ 3 % dodatnega popusta, večje popuste odobri vodja prodaje. Če "
                "popust daste, zanj vedno nekaj dobite v zameno: večjo količino, daljšo pogodbo ali boljšo "
                "postavitev na polici.</p>"
            ),
        ),
    ),
    quiz=DemoQuiz(
        title="Preverjanje znanja: prodajne veščine",
        passing_score=70,
        max_attempts=None,
        time_limit=None,
        questions=(
            DemoQuestion(
                type=QuestionType.SINGLE_CHOICE,
                text="Katera vprašanja SPIN pokažejo posledice kupčeve težave?",
                options=(
                    ("Implikacijska vprašanja", True),
                    ("Situacijska vprašanja", False),
                    ("Problemska vprašanja", False),
                    ("Vprašanja o koristi", False),
                ),
            ),
            DemoQuestion(
                type=QuestionType.MULTIPLE_CHOICE,
                text="Kateri koraki so del postopka odgovarjanja na ugovore?",
                options=(
                    ("Poslušati do konca", True),
                    ("Potrditi, da ste ugovor slišali", True),
                    ("Takoj ponuditi popust", False),
                    ("Preveriti, ali je odgovor kupca prepričal", True),
                ),
                points=2,
            ),
            DemoQuestion(
                type=QuestionType.TRUE_FALSE,
                text="Komercialist lahko samostojno odobri največ 3 % dodatnega popusta.",
                options=(("Drži", True), ("Ne drži", False)),
            ),
            DemoQuestion(
                type=QuestionType.SINGLE_CHOICE,
                text="Kdaj vnesete povzetek prodajnega sestanka v CRM?",
                options=(
                    ("Najpozneje v 24 urah", True),
                    ("Do konca meseca", False),
                    ("Samo, če je bil posel sklenjen", False),
                ),
            ),
        ),
    ),
)

_GLOBEX_COMPLAINTS = DemoModule(
    title="Reševanje reklamacij",
    description=(
        "Interni postopek za reklamacije trgovskih kupcev od sprejema do odločitve, pogovor z nezadovoljnim "
        "kupcem in mesečna analiza vzrokov. Nadgradnja modula o prodajnih veščinah."
    ),
    difficulty=Difficulty.ADVANCED,
    status=ModuleStatus.PUBLISHED,
    category="Prodaja in stranke",
    tags=("reklamacije", "prodaja"),
    prerequisites=("Prodajne veščine: od potrebe do ponudbe",),
    sections=(
        DemoSection(
            title="Postopek od sprejema do odločitve",
            type=SectionType.TEXT,
            content=(
                "<h2>Postopek od sprejema do odločitve</h2>"
                "<p>Reklamacija kupcu pokaže, kako zanesljivi smo, ko gre kaj narobe. Zato vse reklamacije "
                "obravnavamo po enakem postopku in v enakih rokih, ne glede na to, ali gre za en karton ali "
                "za cel tovornjak.</p>"
                "<ol>"
                "<li><strong>Sprejem:</strong> reklamacijo vnesite v modul Reklamacije v sistemu ERP, ki ji "
                "dodeli številko. Prejem kupcu potrdite najpozneje v enem delovnem dnevu in mu sporočite "
                "številko reklamacije.</li>"
                "<li><strong>Podatki:</strong> od kupca pridobite številko dobavnice ali računa, šifre in "
                "količine izdelkov, opis napake in fotografije. Pri transportnih poškodbah potrebujemo tudi "
                "zapis na dobavnici ali tovornem listu CMR.</li>"
                "<li><strong>Razvrstitev:</strong> transportna poškodba, napačna ali nepopolna dobava, "
                "tovarniška napaka ali potekel rok uporabnosti.</li>"
                "<li><strong>Odločitev:</strong> kupcu jo sporočimo najpozneje v osmih delovnih dneh od "
                "prejema popolne reklamacije. Možne rešitve so zamenjava, dobropis, dobava manjkajočega "
                "blaga ali zavrnitev z obrazložitvijo.</li>"
                "</ol>"
                "<p>Vrnjeno blago v distribucijskem centru dobi rdečo nalepko in ostane na ločeni lokaciji, "
                "dokler o njem ne odloči vodja kakovosti. Tovarniške napake naprej reklamiramo pri "
                "proizvajalcu, zato so fotografije in serijske številke nujne.</p>"
            ),
        ),
        DemoSection(
            title="Pogovor z nezadovoljnim kupcem",
            type=SectionType.TEXT,
            content=(
                "<h2>Pogovor z nezadovoljnim kupcem</h2>"
                "<p>Nabavnik, ki kliče zaradi reklamacije, ima pogosto za seboj jeznega vodjo prodajalne in "
                "prazno polico. Vaša naloga v prvih minutah ni rešiti problem, temveč umiriti pogovor in "
                "zbrati dejstva.</p>"
                "<ul>"
                "<li><strong>Pustite mu, da pove do konca.</strong> Prekinjanje jezo samo podaljša.</li>"
                "<li><strong>Pokažite razumevanje:</strong> Razumem, da vam prazna polica pred vikendom "
                "povzroča težave. Razumevanje ni priznanje krivde.</li>"
                "<li><strong>Govorite o dejstvih</strong>, ne o krivdi. Namesto da rečete, da je skladišče "
                "spet naredilo napako, povejte, da bomo preverili, kje je prišlo do napake.</li>"
                "<li><strong>Obljubite samo, kar je v vaši moči.</strong> O dobropisu odloči vodja prodaje; "
                "vi lahko obljubite, da bo odločitev znana v osmih delovnih dneh, in ta rok tudi "
                "spoštujete.</li>"
                "</ul>"
                "<p>Kadar gre za ključnega kupca ali za reklamacijo v vrednosti nad 5.000 EUR, o njej še "
                "isti dan obvestite vodjo prodaje. V nujnih primerih lahko vodja odobri takojšnjo "
                "nadomestno dobavo, še preden je reklamacija rešena, da kupcu ne ostane prazna polica.</p>"
                "<p>Po rešitvi kupca pokličite in preverite, ali je z rešitvijo zadovoljen. Klic traja dve "
                "minuti in pogosto spremeni slabo izkušnjo v dobro.</p>"
            ),
        ),
        DemoSection(
            title="Mesečna analiza vzrokov",
            type=SectionType.ATTACHMENT,
            attachment_title="Analiza reklamacij - predloga.pdf",
            content=(
                "<h2>Mesečna analiza vzrokov</h2>"
                "<p>Posamezna rešena reklamacija zadovolji kupca, ponavljajoče se reklamacije pa kažejo, da "
                "je napaka v našem procesu. Zato vodja kakovosti vsak mesec pripravi analizo vseh "
                "reklamacij po priloženi predlogi.</p>"
                "<h3>Kako poteka analiza</h3>"
                "<ol>"
                "<li>Reklamacije razvrstimo po vzroku in za vsak vzrok seštejemo njihovo število in "
                "vrednost.</li>"
                "<li>Vzroke uredimo od največjega do najmanjšega v Paretov diagram. Praviloma nekaj vzrokov "
                "povzroči večino reklamacij, zato začnemo pri njih.</li>"
                "<li>Za največji vzrok s tehniko petih zakaj poiščemo temeljni vzrok, ne le simptoma.</li>"
                "<li>Določimo korektivni ukrep, odgovorno osebo in rok, po treh mesecih pa preverimo "
                "učinek.</li>"
                "</ol>"
                "<h3>Primer iz lanskega leta</h3>"
                "<p>Največ reklamacij zaradi poškodovane embalaže je prihajalo od enega kupca na Hrvaškem. "
                "Analiza je pokazala, da so se poškodbe zgodile pri prekladanju v logističnem centru "
                "prevoznika, ker palete niso imele zaščitnih vogalnikov. Po uvedbi vogalnikov za vse "
                "izvozne palete se je število teh reklamacij zmanjšalo za več kot polovico.</p>"
            ),
        ),
    ),
)

_GLOBEX_WAREHOUSE = DemoModule(
    title="Skladiščno poslovanje",
    description=(
        "Prevzem blaga, skladiščenje po načelih FIFO in FEFO ter inventura v distribucijskem centru Celje. "
        "Pred začetkom morate opraviti usposabljanje iz varnosti in zdravja pri delu."
    ),
    difficulty=Difficulty.INTERMEDIATE,
    status=ModuleStatus.PUBLISHED,
    category="Skladišče in logistika",
    tags=("skladišče", "inventura"),
    prerequisites=("Varnost in zdravje pri delu",),
    sections=(
        DemoSection(
            title="Prevzem blaga",
            type=SectionType.TEXT,
            content=(
                "<h2>Prevzem blaga</h2>"
                "<p>Napaka, ki jo spregledamo pri prevzemu, nas pozneje stane veliko več: blago je že na "
                "lokaciji, dobavitelj pa trdi, da je bilo dobavljeno brezhibno. Zato prevzem vedno opravimo "
                "po istem vrstnem redu.</p>"
                "<ol>"
                "<li><strong>Dokumenti:</strong> primerjajte dobavnico z naročilom v sistemu. Blaga brez "
                "naročila ne prevzemite, temveč pokličite nabavo.</li>"
                "<li><strong>Zunanji pregled:</strong> palete preglejte, preden voznik odide. Vidne "
                "poškodbe ter mokro ali razpadlo embalažo fotografirajte in jih zapišite na tovorni list "
                "CMR in dobavnico, preden ju podpišete. Brez tega zapisa prevoznik poškodbe pozneje ne "
                "prizna.</li>"
                "<li><strong>Količinski prevzem:</strong> preštejte kartone in jih skenirajte z ročnim "
                "terminalom. Sistem opozori na razlike med dobavljeno in naročeno količino.</li>"
                "<li><strong>Rok uporabnosti:</strong> pri izdelkih z rokom uporabnosti vnesite datum in "
                "številko serije. Blaga, ki mu ostane manj kot tretjina roka uporabnosti, brez odobritve "
                "nabave ne prevzamemo.</li>"
                "<li><strong>Označitev:</strong> natisnite paletno etiketo in paleto odpeljite na lokacijo, "
                "ki jo predlaga sistem.</li>"
                "</ol>"
                "<p>Prevzem v sistemu zaključite šele, ko je blago fizično na lokaciji. Zaloga v sistemu "
                "mora vedno ustrezati zalogi na polici.</p>"
            ),
        ),
        DemoSection(
            title="Skladiščenje in izdaja: FIFO in FEFO",
            type=SectionType.ATTACHMENT,
            attachment_title="Pravila skladiščenja - DC Celje.pdf",
            content=(
                "<h2>Skladiščenje in izdaja: FIFO in FEFO</h2>"
                "<p>V priloženih pravilih je za vsako skupino izdelkov navedeno, v katerem delu skladišča "
                "jo hranimo in po katerem načelu jo izdajamo.</p>"
                "<ul>"
                "<li><strong>FIFO</strong> (first in, first out): najprej izdamo blago, ki smo ga najprej "
                "prevzeli. Uporabljamo ga za gospodinjske aparate in drugo blago brez roka uporabnosti.</li>"
                "<li><strong>FEFO</strong> (first expired, first out): najprej izdamo blago z najkrajšim "
                "rokom uporabnosti, ne glede na datum prevzema. Uporabljamo ga za kozmetiko in drogerijske "
                "izdelke.</li>"
                "</ul>"
                "<p>Sistem pri komisioniranju sam predlaga pravo lokacijo in serijo. Če blaga na predlagani "
                "lokaciji ni ali je serija drugačna, ga ne vzemite z druge lokacije na lastno pobudo, "
                "temveč razliko takoj javite vodji izmene.</p>"
                "<h3>Pravila zlaganja</h3>"
                "<ul>"
                "<li>Največja dovoljena obremenitev je napisana na tablici na koncu vsakega regala in je ne "
                "smete preseči.</li>"
                "<li>Težje blago zlagajte spodaj, lažje zgoraj; palete ne smejo segati čez rob police.</li>"
                "<li>Prehodi in evakuacijske poti morajo biti vedno prosti.</li>"
                "<li>Poškodovan regal takoj označite in ga javite vzdrževanju; do pregleda nanj ne "
                "odlagajte blaga.</li>"
                "</ul>"
            ),
        ),
        DemoSection(
            title="Inventura in ciklično štetje",
            type=SectionType.VIDEO,
            video_url="https://vimeo.com/558902214",
            content=(
                "<h2>Inventura in ciklično štetje</h2>"
                "<p>Video prikazuje ciklično štetje z ročnim terminalom v enem od hodnikov s kozmetiko. "
                "Redno štetje je edini način, da zaloga v sistemu in zaloga na polici ostaneta enaki.</p>"
                "<h3>Letna inventura</h3>"
                "<p>Letni popis vse zaloge opravimo zadnji delovni dan v letu, ko distribucijski center ne "
                "odpremlja blaga. Popisne skupine so dvočlanske: en član šteje, drugi zapisuje, na vsaki "
                "deseti lokaciji pa vlogi zamenjata in lokacijo preštejeta ponovno.</p>"
                "<h3>Ciklično štetje</h3>"
                "<p>Med letom vsak dan preštejemo del lokacij. Hitro obračajoče se izdelke (skupina A) "
                "štejemo vsak mesec, skupino B vsako četrtletje in skupino C dvakrat na leto.</p>"
                "<ul>"
                "<li>Štejte, kar vidite, in ne tega, kar pričakujete. Terminal med štetjem namenoma ne "
                "prikaže količine v sistemu.</li>"
                "<li>Odprte kartone preštejte po kosih.</li>"
                "<li>Razliko, večjo od dveh kosov ali od 100 EUR vrednosti, pred popravkom zaloge ponovno "
                "prešteje vodja izmene.</li>"
                "</ul>"
                "<p>Vsaka razlika ima vzrok: izdana napačna serija, neknjižen prevzem ali blago na napačni "
                "lokaciji. Vzrok zapišite v opombo, da preprečimo ponovitev iste napake.</p>"
            ),
        ),
    ),
    quiz=DemoQuiz(
        title="Preverjanje znanja: skladiščno poslovanje",
        passing_score=75,
        max_attempts=2,
        time_limit=15,
        questions=(
            DemoQuestion(
                type=QuestionType.SINGLE_CHOICE,
                text="Po katerem načelu izdajamo kozmetiko in drogerijske izdelke?",
                options=(("FEFO", True), ("FIFO", False), ("LIFO", False)),
            ),
            DemoQuestion(
                type=QuestionType.TRUE_FALSE,
                text="Vidne poškodbe palet zapišete na tovorni list CMR, preden ga podpišete.",
                options=(("Drži", True), ("Ne drži", False)),
            ),
            DemoQuestion(
                type=QuestionType.MULTIPLE_CHOICE,
                text="Kaj velja za zlaganje blaga v regale?",
                options=(
                    ("Težje blago zlagamo spodaj", True),
                    ("Največje dovoljene obremenitve regala ne smemo preseči", True),
                    ("Palete lahko segajo čez rob police, če so dobro ovite", False),
                    ("Prehodi morajo biti vedno prosti", True),
                ),
                points=2,
            ),
            DemoQuestion(
                type=QuestionType.SINGLE_CHOICE,
                text="Kako pogosto ciklično štejemo izdelke skupine A?",
                options=(
                    ("Vsak mesec", True),
                    ("Vsak teden", False),
                    ("Dvakrat na leto", False),
                    ("Samo ob letni inventuri", False),
                ),
            ),
        ),
    ),
)

_GLOBEX_MEETINGS = DemoModule(
    title="Učinkovito vodenje sestankov",
    description=(
        "Kako sestanek pripraviti, voditi in zaključiti, da se konča z jasnimi nalogami. Osnutek: primere "
        "iz prodajne ekipe še dopolnjujemo."
    ),
    difficulty=Difficulty.BEGINNER,
    status=ModuleStatus.DRAFT,
    category="Vodenje in sodelovanje",
    tags=("sestanki",),
    sections=(
        DemoSection(
            title="Priprava sestanka",
            type=SectionType.TEXT,
            content=(
                "<h2>Priprava sestanka</h2>"
                "<p>Najkrajša pot do dobrega sestanka je vprašanje, ali je sestanek sploh potreben. Za "
                "izmenjavo informacij pogosto zadošča e-sporočilo ali kratek zapis v skupnem kanalu. "
                "Sestanek sklicite takrat, ko je treba skupaj nekaj odločiti, rešiti problem ali uskladiti "
                "različna mnenja.</p>"
                "<h3>Preden pošljete vabilo</h3>"
                "<ul>"
                "<li><strong>Cilj:</strong> v enem stavku zapišite, kaj mora biti ob koncu sestanka "
                "drugače, na primer: izberemo prevoznika za Hrvaško za prihodnje leto.</li>"
                "<li><strong>Udeleženci:</strong> povabite samo tiste, ki odločajo ali prispevajo potrebno "
                "znanje. Druge obvestite z zapisnikom.</li>"
                "<li><strong>Dnevni red:</strong> točke uredite po pomembnosti in vsaki določite čas ter "
                "odgovorno osebo.</li>"
                "<li><strong>Gradivo:</strong> pošljite ga skupaj z dnevnim redom vsaj 24 ur pred "
                "sestankom, da se udeleženci lahko pripravijo.</li>"
                "</ul>"
                "<p>Sestanke načrtujte za 25 ali 50 minut namesto za pol ure ali uro. Tako imajo udeleženci "
                "med dvema zaporednima sestankoma nekaj minut za prehod in zapiske.</p>"
            ),
        ),
        DemoSection(
            title="Vodenje in zapisnik",
            type=SectionType.VIDEO,
            video_url="https://www.youtube.com/watch?v=Wd6sK2mZr8E",
            content=(
                "<h2>Vodenje in zapisnik</h2>"
                "<p>V videu si oglejte dva posnetka istega tedenskega sestanka prodajne ekipe: prvega brez "
                "vodenja in drugega po pravilih iz tega modula. Razlika v trajanju je 20 minut, razlika v "
                "rezultatu pa še večja.</p>"
                "<h3>Vloge</h3>"
                "<ul>"
                "<li><strong>Vodja sestanka</strong> skrbi, da se razprava drži dnevnega reda, in da besedo "
                "vsem, tudi tistim, ki se sami ne oglasijo.</li>"
                "<li><strong>Zapisnikar</strong> sproti zapisuje sklepe in naloge, ne celotne razprave.</li>"
                "<li><strong>Merilec časa</strong> opozori, ko se čas za točko izteka.</li>"
                "</ul>"
                "<h3>Zaključek</h3>"
                "<p>Zadnjih pet minut vsakega sestanka je namenjenih pregledu sklepov. Za vsako nalogo mora "
                "biti jasno, kdo jo izvede, kaj točno mora narediti in do kdaj. Naloga brez odgovorne osebe "
                "ali roka praviloma ostane neizvedena.</p>"
                "<p>Zapisnik pošljite udeležencem še isti dan, najpozneje naslednje jutro. Na začetku "
                "naslednjega sestanka najprej preglejte, katere naloge iz prejšnjega zapisnika so "
                "opravljene.</p>"
            ),
        ),
    ),
)

_GLOBEX_OLD_ERP = DemoModule(
    title="Vnos naročil v stari sistem ERP",
    description=(
        "Navodila za ročni vnos prodajnih naročil v sistem ERP, ki smo ga uporabljali do marca 2024. "
        "Modul je arhiviran, ker naročila zdaj prihajajo prek portala za kupce; ohranjamo ga zaradi "
        "evidenc preteklih udeležencev."
    ),
    difficulty=Difficulty.BEGINNER,
    status=ModuleStatus.ARCHIVED,
    category="Prodaja in stranke",
    tags=("prodaja",),
    sections=(
        DemoSection(
            title="Vnos naročila korak za korakom",
            type=SectionType.TEXT,
            content=(
                "<h2>Vnos naročila korak za korakom</h2>"
                "<p>Do selitve na portal za kupce smo vsa naročila, prejeta po e-pošti ali telefonu, "
                "vnašali ročno. Pravilen vnos je bil pogoj, da je skladišče isti dan pripravilo pravo "
                "blago.</p>"
                "<ol>"
                "<li>V meniju Prodaja izberite Naročila kupcev in pritisnite Nov dokument.</li>"
                "<li>Kupca izberite po davčni številki, ne po imenu, saj ima več kupcev podobna imena.</li>"
                "<li>Preverite naslov dostave. Trgovske verige imajo veliko dostavnih mest in vsako ima "
                "svojo šifro.</li>"
                "<li>Vnesite izdelke po šifri artikla in količino v prodajnih enotah. Sistem količino "
                "preračuna v kartone.</li>"
                "<li>Preverite, ali sistem pri kateri od vrstic opozarja na premajhno zalogo. V tem primeru "
                "kupca o delni dobavi obvestite še pred potrditvijo.</li>"
                "<li>V polje Opomba za skladišče vpišite posebne zahteve, na primer dostavo do 10. ure.</li>"
                "<li>Naročilo potrdite in kupcu pošljite potrditev naročila iz sistema.</li>"
                "</ol>"
                "<p>Naročila, potrjena do 13. ure, je skladišče odpremilo isti dan, poznejša pa naslednji "
                "delovni dan.</p>"
            ),
        ),
        DemoSection(
            title="Šifrant dostavnih mest",
            type=SectionType.ATTACHMENT,
            attachment_title="Šifrant dostavnih mest 2023.pdf",
            content=(
                "<h2>Šifrant dostavnih mest</h2>"
                "<p>Priloženi šifrant vsebuje dostavna mesta vseh trgovskih verig, kot so veljala ob koncu "
                "leta 2023. Najpogostejša napaka pri ročnem vnosu je bila izbira napačnega dostavnega "
                "mesta, zato je bil šifrant obvezen pripomoček pri vsakem vnosu.</p>"
                "<h3>Kako brati šifrant</h3>"
                "<ul>"
                "<li>Prvi dve števki šifre označujeta verigo, naslednje tri pa prodajalno ali centralno "
                "skladišče verige.</li>"
                "<li>Šifre, ki se končajo s 000, označujejo centralno skladišče; vanj smo dostavljali le "
                "blago, naročeno prek centralne nabave.</li>"
                "<li>Prodajalne, označene z zvezdico, sprejemajo dostave samo v določenem časovnem oknu, ki "
                "je navedeno v zadnjem stolpcu.</li>"
                "</ul>"
                "<p>Kadar ni bilo jasno, ali gre za dostavo v prodajalno ali v centralno skladišče, je "
                "odločala naročilnica kupca: centralna nabava je vedno navedla številko svoje naročilnice "
                "in skupno količino za vse prodajalne.</p>"
                "<p>Dostavna mesta zdaj urejajo kupci sami v portalu za kupce. Ta različica šifranta je "
                "ohranjena samo kot arhivsko gradivo in se ne posodablja več.</p>"
            ),
        ),
    ),
)

GLOBEX = DemoTenant(
    slug="globex",
    name="Globex d.o.o.",
    locale="sl",
    plan=TenantPlan.STARTER,
    theme=TenantTheme.SUNSET,
    categories=(
        "Uvajanje",
        "Varnost in skladnost",
        "Prodaja in stranke",
        "Skladišče in logistika",
        "Vodenje in sodelovanje",
    ),
    tags=(
        "novi sodelavci",
        "obvezno",
        "požarna varnost",
        "GDPR",
        "prodaja",
        "reklamacije",
        "skladišče",
        "inventura",
        "sestanki",
    ),
    modules=(
        _GLOBEX_WELCOME,
        _GLOBEX_SAFETY,
        _GLOBEX_GDPR,
        _GLOBEX_SALES,
        _GLOBEX_COMPLAINTS,
        _GLOBEX_WAREHOUSE,
        _GLOBEX_MEETINGS,
        _GLOBEX_OLD_ERP,
    ),
    groups=(
        DemoGroup(
            name="Distribucijski center",
            color="#0f766e",
            description="Skladiščniki, vozniki viličarjev in vodje izmen v distribucijskem centru Celje.",
            members=("learner1", "learner2"),
            assignments=(
                DemoAssignment(module="Varnost in zdravje pri delu", deadline_days=30, mandatory=True),
                DemoAssignment(module="Skladiščno poslovanje", deadline_days=60, mandatory=True),
                DemoAssignment(module="Varstvo osebnih podatkov (GDPR)", deadline_days=None, mandatory=False),
            ),
        ),
        DemoGroup(
            name="Prodaja",
            color="#b45309",
            description="Komercialisti, skrbniki ključnih kupcev in notranja prodaja na sedežu v Ljubljani.",
            members=("mentor", "learner1", "learner3", "learner4"),
            assignments=(
                DemoAssignment(module="Prodajne veščine: od potrebe do ponudbe", deadline_days=30, mandatory=True),
                DemoAssignment(module="Varstvo osebnih podatkov (GDPR)", deadline_days=14, mandatory=True),
                DemoAssignment(module="Reševanje reklamacij", deadline_days=None, mandatory=False),
            ),
        ),
        DemoGroup(
            name="Novi sodelavci",
            color="#7c3aed",
            description="Vsi v prvih 90 dneh zaposlitve, ne glede na oddelek.",
            members=("hr", "learner5"),
            assignments=(
                DemoAssignment(module="Dobrodošli v Globexu", deadline_days=7, mandatory=True),
                DemoAssignment(module="Varnost in zdravje pri delu", deadline_days=14, mandatory=True),
                DemoAssignment(module="Prodajne veščine: od potrebe do ponudbe", deadline_days=None, mandatory=False),
            ),
        ),
    ),
    user_names={
        "owner": "Andrej Zupan",
        "hr": "Maja Novak",
        "mentor": "Luka Kranjc",
        "learner1": "Nina Horvat",
        "learner2": "Rok Potočnik",
        "learner3": "Tjaša Kovačič",
        "learner4": "Matej Vidmar",
        "learner5": "Špela Golob",
        "viewer": "Janez Mlakar",
    },
)


# --- Platform ----------------------------------------------------------------------------------

TENANTS: tuple[DemoTenant, ...] = (ACME, GLOBEX)

PLATFORM_CHANGELOG: tuple[DemoChangelog, ...] = (
    DemoChangelog(
        version="1.0.0",
        title="Mojster is live",
        summary=(
            "Modules with text, video and attachment sections, quizzes, certificates with a public "
            "verification page, and groups with deadlines for every company on the platform."
        ),
    ),
    DemoChangelog(
        version="1.1.0",
        title="Compliance renewals",
        summary=(
            "Modules can now expire a set number of months after completion. Learners are reminded 30 days "
            "before a certificate expires, and renewing in time earns XP."
        ),
    ),
    DemoChangelog(
        version="1.2.0",
        title="XP, ranks and the rewards store",
        summary=(
            "Learners earn XP for completed modules and high quiz scores, rise from Vajenec to Mentor, and "
            "spend XP in their company's rewards store, with optional approval by HR."
        ),
    ),
    DemoChangelog(
        version="1.3.0",
        title="Faster admin screens for large companies",
        summary=(
            "Lists, filters and exports stay fast with hundreds of thousands of learners: exports stream, "
            "and user and module fields search as you type instead of loading every row."
        ),
    ),
)
