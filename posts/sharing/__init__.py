"""Links that let people without an account see posts: a read-only preview of one post
group (``/p/<token>/``) and a customer's review portal (``/portal/<token>/``).

Only a keyed hash of each token is stored, like API keys: the link itself is shown once,
when it is made, and a stolen database cannot open any of them."""
