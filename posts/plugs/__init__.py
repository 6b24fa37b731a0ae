"""Plugs: acting on a published post's success.

A plug belongs to a channel: when one of the channel's posts reaches ``threshold`` of a
count (likes, reposts, comments) the network reports, the plug reposts the post (the
network's repost, boost or retweet) or replies under it with a chosen follow-up text.
Which kinds and counts a channel offers is its network's declaration
(``Provider.plug_kinds``, ``Provider.plug_metrics``).

- Firing: the post-counts job (``posts.analytics.services.post_metrics_store``) calls
  ``services.plugs_crossed`` with what it just read; each plug whose threshold is reached
  by a post gets one ``PlugRun(plug, post)`` row (unique: a plug runs once per post,
  ever) and one worker job (``tasks.fire_plug_run``), never the publisher's.
- Exactly once: the run is claimed (state ``sending``, committed) before the network is
  asked. A throttled or refused-before-sending answer puts it back to wait; an unclear
  one is answered by looking (``Provider.find_repost``, ``find_existing``) and sent again
  only where the network's key makes a second send harmless, else the run becomes
  ``unconfirmed`` and the team is told. A run a dead worker left in ``sending`` is looked
  after the same way by the 5-minute round (``services.plugs_round``).
- Only posts published after the plug was made are acted on: a new plug never reposts
  last month's posts.
"""
