-- Open data (issue 10): what the agency publishes at /open/v1 and /public.
-- Each statement is idempotent and runs on its own.

-- public: NULL = not decided yet, the profile's default applies (open/policy.ts: every profile is
-- public except industrial wastewater, which stays off until the agency decides); true/false = decided.
ALTER TABLE stations ADD COLUMN IF NOT EXISTS public boolean;

-- public_metrics: NULL = every metric of the station's profile; otherwise only these.
ALTER TABLE stations ADD COLUMN IF NOT EXISTS public_metrics text[];

-- validated_through: the station's data up to this time has been checked (QA/QC) by the agency.
-- With OPEN_VALIDATED_ONLY, nothing after it is published. NULL = nothing validated yet.
ALTER TABLE stations ADD COLUMN IF NOT EXISTS validated_through timestamptz;
