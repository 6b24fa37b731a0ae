"""`manage.py qcluster`: django-q2's background worker, with the jobs' code loaded first.

django-q2 forks its sentinel, pusher, monitor and job workers from this process. Each
would otherwise import the jobs' modules (providers, analytics, emails) on its first job,
a private copy per process; imported here and frozen (so the garbage collector does not
write to the shared pages), they are shared by every forked process instead.
"""

import gc

from django_q.management.commands.qcluster import Command as ClusterCommand


class Command(ClusterCommand):
    def handle(self, *args, **options):
        from postiz.forkserver import preload_jobs

        preload_jobs()
        gc.freeze()
        return super().handle(*args, **options)
