"""aimi.plugins: the pluggy contract and the machinery around it.

- ``hookspecs``: every hook a plugin may implement (the documented contract);
- ``types``: the data that crosses the boundary;
- ``manager``: finds plugins (entry-point group ``aimi``, then the built-ins), checks
  them at start-up and calls them per tenant through typed methods;
- ``settings``: each tenant's on/off choice and validated options;
- ``cli``: ``aimi plugins list``.

Nothing is re-exported here: importing ``aimi.plugins.types`` must stay cheap for
third-party plugins.
"""
