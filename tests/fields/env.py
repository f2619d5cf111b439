"""env: every field of env.Params changes the outcome (facts as env.gather returns them)."""

from .kinds import Flips

SECRET = "field-case-session-secret"  # 25 characters


def facts(api=None, web=None, examples=None):
    return {"services": {"api": api if api is not None else {}, "web": web if web is not None else {}},
            "examples": examples or {}}


API = {"A": "1", "PROVIDER": "trigger", "SESSION_SECRET": SECRET, "DATABASE_URL": "postgres://db/app",
       "TLS_REJECT": "0", "NEXT_PUBLIC_X_SECRET": SECRET}
WEB = {"B": "1", "SESSION_SECRET": SECRET + "-web"}
EXAMPLES = {".env.example": {"SESSION_SECRET": "changeme"}, "apps/api/.env.example": {"SESSION_SECRET": SECRET}}
BOTH = facts(API, WEB, EXAMPLES)
A = {"service": "api", "required": ["A"]}
# a JWT whose payload claims the service_role role (header {"alg":"HS256"}, payload {"role":"service_role"})
SERVICE_ROLE_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2lnbmF0dXJlLW5vdC1jaGVja2Vk"

CASES = {
    "service": Flips(A, {**A, "service": "web"}, BOTH),
    "when": Flips({"service": "api", "required": ["INNGEST_*"]},
                  {"service": "api", "required": ["INNGEST_*"], "when": {"PROVIDER": "inngest"}}, BOTH),
    "required": Flips(A, {**A, "required": ["A", "INNGEST_*"]}, BOTH),
    "any_of": Flips(A, {**A, "any_of": [["SMTP_PASS", "EMAIL_SERVER"]]}, BOTH),
    "forbidden": Flips(A, {**A, "forbidden": ["NEXT_PUBLIC_*SECRET*"]}, BOTH),
    "forbidden_jwt_roles": Flips(A, {**A, "forbidden_jwt_roles": ["service_role"]},
                                 facts({**API, "VITE_SUPABASE_ANON_KEY": SERVICE_ROLE_JWT})),
    "values": Flips(A, {**A, "values": {"PROVIDER": "inngest"}}, BOTH),
    "not_values": Flips(A, {**A, "not_values": {"TLS_REJECT": ["0", "false"]}}, BOTH),
    "values_if_set": Flips(A, {**A, "values_if_set": {"PROVIDER": "inngest"}}, BOTH),
    "format": Flips(A, {**A, "format": {"DATABASE_URL": "https-url"}}, BOTH),
    "min_length": Flips(A, {**A, "min_length": {"SESSION_SECRET": 32}}, BOTH),
    "contains": Flips(A, {**A, "contains": {"DATABASE_URL": "sslmode=require"}}, BOTH),
    "matches": Flips(A, {**A, "matches": {"DATABASE_URL": r"postgres(ql)?://[^?]+\?sslmode=require"}}, BOTH),
    "not_equal": Flips(A, {**A, "not_equal": {"SESSION_SECRET": SECRET}}, BOTH),
    "not_placeholder": Flips(A, {**A, "not_placeholder": ["SESSION_SECRET"]}, facts(API, WEB, {
        ".env.example": {"SESSION_SECRET": SECRET}})),
    "placeholders_from": Flips({"service": "api", "not_placeholder": ["SESSION_SECRET"]},
                               {"service": "api", "not_placeholder": ["SESSION_SECRET"],
                                "placeholders_from": "apps/api/.env.example"}, BOTH),
    "equal": Flips(A, {**A, "equal": {"names": ["SESSION_SECRET"], "services": ["api", "web"]}}, BOTH),
    "allow_empty": Flips({"service": "api", "forbidden": ["MOCK"]},
                         {"service": "api", "forbidden": ["MOCK"], "allow_empty": True}, facts()),
}
