import Foundation
import TestSupport

/// The schema the data-subject tests share: a person's rows in six tables (comments tied to a
/// tenant, check-ins, audit rows, payment methods, invoices kept under Bokföringslagen and
/// referencing payment methods, marketing contacts by e-mail) and their user row.
enum SubjectSchema {
    static let sql = """
        SET TimeZone = 'UTC';
        CREATE TABLE orgs (id int PRIMARY KEY, terminated_at timestamptz);
        CREATE TABLE users (id bigint PRIMARY KEY, org_id int NOT NULL REFERENCES orgs, email text NOT NULL, name text,
                            pseudonymised_at timestamptz);
        CREATE INDEX ON users (email);
        CREATE TABLE comments (id bigint PRIMARY KEY, org_id int NOT NULL, author_id bigint NOT NULL REFERENCES users, body text NOT NULL);
        CREATE INDEX ON comments (author_id);
        CREATE TABLE checkins (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users, note text);
        CREATE INDEX ON checkins (user_id);
        CREATE TABLE audit_rows (id bigint PRIMARY KEY, actor_id bigint REFERENCES users, action text NOT NULL);
        CREATE INDEX ON audit_rows (actor_id);
        CREATE TABLE payment_methods (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users, card_last4 text);
        CREATE INDEX ON payment_methods (user_id);
        CREATE TABLE invoices (id bigint PRIMARY KEY, owner_user_id bigint REFERENCES users,
                               payment_method_id bigint REFERENCES payment_methods, issued_at date NOT NULL, amount numeric NOT NULL);
        CREATE INDEX ON invoices (owner_user_id);
        CREATE INDEX ON invoices (payment_method_id);
        CREATE TABLE marketing_contacts (id bigint PRIMARY KEY, email text NOT NULL, name text);
        CREATE INDEX ON marketing_contacts (email);
        INSERT INTO orgs SELECT g, NULL FROM generate_series(1, 5) g;
        INSERT INTO users SELECT g, 1 + g % 5, 'user' || g || '@example.com', 'User ' || g, NULL FROM generate_series(1, 50) g;
        UPDATE users SET email = 'shared@example.com' WHERE id IN (41, 42);
        INSERT INTO comments SELECT g, 1 + (1 + g % 50) % 5, 1 + g % 50, 'comment ' || g FROM generate_series(1, 1000) g;
        INSERT INTO checkins SELECT g, 1 + g % 50, 'checkin ' || g FROM generate_series(1, 500) g;
        INSERT INTO audit_rows SELECT g, CASE WHEN g % 10 = 0 THEN NULL ELSE 1 + g % 50 END, 'action ' || g FROM generate_series(1, 600) g;
        INSERT INTO payment_methods SELECT g, 1 + g % 50, lpad((g % 10000)::text, 4, '0') FROM generate_series(1, 100) g;
        INSERT INTO invoices SELECT g, 1 + g % 50, CASE WHEN g % 4 = 0 THEN g % 50 + 50 END, date '2024-01-01' + g, g * 10
            FROM generate_series(1, 150) g WHERE (1 + g % 50) % 3 = 0;
        INSERT INTO marketing_contacts SELECT g, 'user' || g || '@example.com', 'User ' || g FROM generate_series(1, 30) g;
        INSERT INTO marketing_contacts VALUES (100, 'outsider@example.com', 'Outsider'), (101, 'outsider@example.com', 'Outsider again'),
                                              (102, 'shared@example.com', 'Shared');
        """

    static let billingRule = """
        {"name": "billing", "category": "Billing data", "table": "invoices",
         "due": {"after": "7 years", "from": "issued_at", "align": "financial-year-end"}, "action": "delete"}
        """

    static let targets = """
        {"name": "user-comments", "category": "Content data", "table": "comments", "tenantColumn": "org_id", "match": {"author_id": "id"}, "action": "delete"},
        {"name": "user-checkins", "category": "Content data", "table": "checkins", "match": {"user_id": "id"}, "action": "delete"},
        {"name": "user-audit", "category": "Usage and log data", "table": "audit_rows", "match": {"actor_id": "id"}, "action": "delete"},
        {"name": "payment-methods", "category": "Billing data", "table": "payment_methods", "match": {"user_id": "id"}, "action": "delete"},
        {"name": "user-invoices", "category": "Billing data", "table": "invoices", "match": {"owner_user_id": "id"}, "action": "keep",
         "keptUntilRule": "billing", "basis": "Bokföringslagen: kept 7 years after the financial year"},
        {"name": "newsletter", "category": "Marketing", "table": "marketing_contacts", "match": {"email": "email"}, "action": "delete"},
        {"name": "user-account", "category": "Account and profile data", "table": "users", "match": {"id": "id"}, "action": "pseudonymise",
         "pseudonymise": {"columns": {"email": "hmac", "name": "null"}, "marker": "pseudonymised_at"}}
        """

    /// The policy with `targets` (default: all of the above) and the billing rule.
    static func policy(targets: String = targets, subjectsExtra: String = "") -> String {
        """
        {"policy": "subjects", "tenants": {"table": "orgs", "key": "id", "terminatedAt": "terminated_at"},
         "rules": [\(billingRule)],
         "subjects": {"table": "users", "key": "id", "identifiers": ["email"], "deadline": "1 month",\(subjectsExtra)
                      "targets": [\(targets)]}}
        """
    }
}
