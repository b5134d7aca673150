"""The public submission page (/p/<slug>/): anyone submits without an account and follows their
own item by receipt code. services.py (intake, the office's switch), codes.py (receipt codes),
limits.py (rate limits), lookup.py (what a submitter may see); the page in views, forms, urls;
the API in api/routers/public.py over the same functions."""
