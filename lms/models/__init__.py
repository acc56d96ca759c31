"""All models, one module per domain of spec/schema.md; importing this registers every table."""

from lms.models.ai import AiModuleBuild
from lms.models.audit import AuditLog, ChangelogEntry, ModuleChangeLog, UserModuleLastAccess, UserModuleReview
from lms.models.calendar import CalendarFeed
from lms.models.community import ChatMessage, Comment, Notification, NotificationDedup
from lms.models.content import (
    Attachment,
    Module,
    ModuleCategory,
    ModuleMentor,
    ModulePrerequisite,
    ModuleTag,
    Section,
    Tag,
)
from lms.models.events import LiveEventGroup, MentorLiveEvent
from lms.models.gamification import Reward, RewardRedemption, UserXpBalance, XpMonth, XpTransaction
from lms.models.groups import Group, ModuleGroup, UserGroup
from lms.models.jobs import JobOutbox
from lms.models.media import MediaAsset
from lms.models.pinning import CompanyPinnedModule, UserPinnedModule
from lms.models.progress import (
    Certificate,
    ModuleSelfAssessment,
    ProgressOverride,
    Quiz,
    QuizAttempt,
    QuizQuestion,
    SectionCompletion,
)
from lms.models.radar import MentorRadarPost, RadarSave, RadarSeen
from lms.models.suggestions import KnowledgeSuggestion, KnowledgeSuggestionComment, KnowledgeSuggestionVote
from lms.models.tenancy import Membership, Tenant
from lms.models.users import (
    ActivityPeriod,
    ActivityRollup,
    EmailPreference,
    EmailToken,
    User,
    UserPermission,
    UserSession,
)

__all__ = [
    "ActivityPeriod",
    "ActivityRollup",
    "AiModuleBuild",
    "Attachment",
    "AuditLog",
    "CalendarFeed",
    "Certificate",
    "ChangelogEntry",
    "ChatMessage",
    "Comment",
    "CompanyPinnedModule",
    "EmailPreference",
    "EmailToken",
    "Group",
    "JobOutbox",
    "KnowledgeSuggestion",
    "KnowledgeSuggestionComment",
    "KnowledgeSuggestionVote",
    "LiveEventGroup",
    "MediaAsset",
    "Membership",
    "MentorLiveEvent",
    "MentorRadarPost",
    "Module",
    "ModuleCategory",
    "ModuleChangeLog",
    "ModuleGroup",
    "ModuleMentor",
    "ModulePrerequisite",
    "ModuleSelfAssessment",
    "ModuleTag",
    "Notification",
    "NotificationDedup",
    "ProgressOverride",
    "Quiz",
    "QuizAttempt",
    "QuizQuestion",
    "RadarSave",
    "RadarSeen",
    "Reward",
    "RewardRedemption",
    "Section",
    "SectionCompletion",
    "Tag",
    "Tenant",
    "User",
    "UserGroup",
    "UserModuleLastAccess",
    "UserModuleReview",
    "UserPermission",
    "UserPinnedModule",
    "UserSession",
    "UserXpBalance",
    "XpMonth",
    "XpTransaction",
]
