// DjangoTests: a stock Django project whose only database is the proxy, with Django's auth and
// content types routed to cluster `users`: migrate (transactions spanning both clusters), users
// and objects created and read back, every table and row physically on its cluster's server.
import Foundation
import SwitchyardTesting
import Testing

extension CrossClusterAcceptance {
    @Suite("Django through the proxy: auth on the users cluster")
    struct DjangoTests {
        /// Django's auth and content types on `users`, with the admin log that references
        /// `auth_user` (Django requires admin to live with auth: a foreign key cannot cross
        /// databases).
        static let routes = [
            MultiClusterConfiguration.Route(tables: ["auth_*", "django_content_type", "django_admin_log"], cluster: "users")
        ]

        static let usersTables = [
            "auth_group", "auth_group_permissions", "auth_permission", "auth_user", "auth_user_groups",
            "auth_user_user_permissions", "django_admin_log", "django_content_type",
        ]
        static let mainTables = ["django_migrations", "django_session", "shop_customer", "shop_order"]

        static let writeScript = """
            import json
            from decimal import Decimal
            from django.contrib.auth.models import Group, Permission, User
            from django.db import transaction
            from shop.models import Customer, Order
            alice = User.objects.create_user("alice", "alice@example.com", "alice-password")
            buyers = Group.objects.create(name="buyers")
            alice.groups.add(buyers)
            buyers.permissions.add(Permission.objects.get(codename="add_order"))
            with transaction.atomic():
                User.objects.create_user("bob", "bob@example.com", "bob-password")
            acme = Customer.objects.create(name="ACME", email="acme@example.com")
            globex = Customer.objects.create(name="Globex", email="globex@example.com")
            with transaction.atomic():
                Order.objects.create(customer=acme, total=Decimal("10.50"), note="first")
                Order.objects.create(customer=acme, total=Decimal("4.25"))
                Order.objects.create(customer=globex, total=Decimal("99.99"), note="big")
            print("RESULT " + json.dumps({"orders": Order.objects.count(), "users": User.objects.count()}))
            """

        static let readScript = """
            import json
            from django.contrib.auth.models import User
            from django.contrib.contenttypes.models import ContentType
            from django.db.models import Sum
            from shop.models import Customer, Order
            alice = User.objects.get(username="alice")
            print("RESULT " + json.dumps({
                "users": sorted(User.objects.values_list("username", flat=True)),
                "alice_password": alice.check_password("alice-password"),
                "alice_permissions": sorted(alice.get_all_permissions()),
                "admin_is_superuser": User.objects.get(username="admin").is_superuser,
                "orders": [[o.customer.name, str(o.total), o.note] for o in Order.objects.select_related("customer").order_by("id")],
                "acme_total": str(Customer.objects.get(name="ACME").orders.aggregate(total=Sum("total"))["total"]),
                "order_content_type": ContentType.objects.get_for_model(Order).app_label,
            }, sort_keys=True))
            """

        /// The JSON object a script printed after "RESULT ".
        static func result(_ output: String) throws -> [String: Any] {
            let line = try #require(output.split(separator: "\n").last { $0.hasPrefix("RESULT ") }, "no result in: \(output)")
            return try #require(try JSONSerialization.jsonObject(with: Data(line.dropFirst(7).utf8)) as? [String: Any])
        }

        static func publicTables(_ place: CrossClusterDatabases.Place) throws -> [String] {
            try place.rows("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1").map { $0[0]! }
        }

        @Test("migrate, createsuperuser, objects written and read back; auth rows on users, app rows on main, nothing left prepared",
              .enabled(if: DjangoProject.python != nil, "Django or psycopg 3 is not installed: pip install django \"psycopg[binary]\""))
        func djangoProjectThroughProxy() throws {
            let python = try #require(DjangoProject.python)
            try CrossClusterDatabases.with { databases in
                let proxy = try MultiClusterProxy.start(databases.configuration(routes: Self.routes))
                defer { proxy.stop() }
                let project = try DjangoProject.create(python: python, port: proxy.port)
                defer { project.remove() }

                try project.manage(["makemigrations", "shop"])
                let migrate = try project.manage(["migrate", "--noinput"])
                #expect(migrate.contains("Applying auth.0001_initial... OK"), "\(migrate)")
                try project.manage(
                    ["createsuperuser", "--noinput"],
                    environment: [
                        "DJANGO_SUPERUSER_USERNAME": "admin", "DJANGO_SUPERUSER_EMAIL": "admin@example.com",
                        "DJANGO_SUPERUSER_PASSWORD": "admin-password-1",
                    ])
                let written = try Self.result(try project.shell(Self.writeScript))
                #expect(written["orders"] as? Int == 3 && written["users"] as? Int == 3, "\(written)")

                // A new process reads everything back (its reads may go to the replica).
                try databases.waitForReplica()
                let read = try Self.result(try project.shell(Self.readScript))
                #expect(read["users"] as? [String] == ["admin", "alice", "bob"])
                #expect(read["alice_password"] as? Bool == true)
                #expect(read["alice_permissions"] as? [String] == ["shop.add_order"])
                #expect(read["admin_is_superuser"] as? Bool == true)
                #expect(
                    (read["orders"] as? [[String]]) == [["ACME", "10.50", "first"], ["ACME", "4.25", ""], ["Globex", "99.99", "big"]],
                    "\(read["orders"] ?? "none")")
                #expect(read["acme_total"] as? String == "14.75")
                #expect(read["order_content_type"] as? String == "shop")

                // Where everything physically is.
                #expect(try Self.publicTables(databases.users) == Self.usersTables)
                #expect(try Self.publicTables(databases.main) == Self.mainTables)
                #expect(try databases.users.query("SELECT string_agg(username, ',' ORDER BY username) FROM auth_user") == "admin,alice,bob")
                #expect(try databases.users.query("SELECT count(*) FROM django_content_type WHERE app_label = 'shop'") == "2")
                #expect(try databases.main.query("SELECT string_agg(name, ',' ORDER BY name) FROM shop_customer") == "ACME,Globex")
                #expect(try databases.main.query("SELECT count(*) FROM shop_order") == "3")
                let applied = try databases.main.query("SELECT count(*) FROM django_migrations WHERE app IN ('auth', 'contenttypes', 'admin', 'sessions', 'shop')")
                #expect((Int(applied) ?? 0) >= 19, "migrations recorded on main: \(applied)")
                #expect(try databases.preparedTransactions() == [])
            }
        }
    }
}
