"""Leases (postiz.leases): one holder at a time across the cluster, as rows, so they hold
through a pooler in transaction mode, and a dead holder's lease runs out by itself."""

import pytest

from postiz.leases import lease_give, lease_renew, lease_take
from postiz.models import Lease

pytestmark = pytest.mark.django_db


def test_a_lease_has_one_holder_until_it_is_given_back():
    holder = lease_take(name="job", seconds=60)
    assert holder is not None
    assert lease_take(name="job", seconds=60) is None
    assert lease_take(name="another job", seconds=60) is not None
    lease_give(name="job", holder=holder)
    assert lease_take(name="job", seconds=60) not in (None, holder)


def test_a_lease_whose_holder_stopped_renewing_is_taken_over_and_the_old_holder_is_told():
    gone = lease_take(name="job", seconds=0)  # its holder died at once
    taker = lease_take(name="job", seconds=60)
    assert taker not in (None, gone)
    assert lease_renew(name="job", holder=gone, seconds=60) is False
    lease_give(name="job", holder=gone)  # too late: nothing happens
    assert lease_take(name="job", seconds=60) is None
    assert lease_renew(name="job", holder=taker, seconds=60) is True
    assert Lease.objects.get(name="job").holder == taker
