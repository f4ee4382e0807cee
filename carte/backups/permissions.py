"""Access policy for backups: administrators only.

An archive holds every record and every attached file of the company, so only who holds the
"backups" rights may list, run, verify or download one. No built-in role but the administrator
gets them (an empty role map); an admin may still grant them to another role on the roles screen.
A backup has no owner: only the scope "all" reaches it.
"""

from django.utils.translation import gettext_lazy as _

from carte.backups.models import Backup
from carte.core import policy

policy.register_module("backups", _("Backups"), {})
policy.register(Backup, policy.ModelPolicy("backups", owner_path=None, department_path=None))
