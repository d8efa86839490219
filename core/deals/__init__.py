"""After the handshake: deliverables and content approval, purchase orders, invoices, payments and reviews."""
