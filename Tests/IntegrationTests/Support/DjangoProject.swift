// DjangoProject: a stock Django project with one app, generated in a temporary directory, whose
// only database is the proxy; runs its manage.py commands.
import Foundation
import SwitchyardTesting

/// `django-admin startproject shopsite` plus `startapp shop` (models `Customer` and `Order`), with
/// stock settings except `DATABASES` (PostgreSQL through the proxy, with psycopg 3) and the app
/// added to `INSTALLED_APPS`.
struct DjangoProject {
    let directory: String
    let python: String

    /// `python3` on PATH when it can import Django and psycopg 3; `nil` otherwise.
    static let python: String? = {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path, (try? Command(path, ["-c", "import django, psycopg"]).run(timeout: 60).succeeded) == true else {
            return nil
        }
        return path
    }()

    static let models = """
        from django.db import models


        class Customer(models.Model):
            name = models.CharField(max_length=100, unique=True)
            email = models.EmailField()
            created = models.DateTimeField(auto_now_add=True)


        class Order(models.Model):
            customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
            total = models.DecimalField(max_digits=10, decimal_places=2)
            placed = models.DateTimeField(auto_now_add=True)
            note = models.TextField(blank=True)

        """

    /// Generates the project for a proxy listening on `port` (database `app`, user `app`).
    static func create(python: String, port: Int) throws -> DjangoProject {
        let directory = NSTemporaryDirectory() + "switchyard-django-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let project = DjangoProject(directory: directory, python: python)
        do {
            // PYTHONSAFEPATH: the working directory (the project) is not importable, or the empty
            // shop/ directory would read as an existing module and startapp would refuse the name.
            let safePath = ["PYTHONSAFEPATH": "1"]
            try project.run(["-m", "django", "startproject", "shopsite", directory], environment: safePath)
            try FileManager.default.createDirectory(atPath: directory + "/shop", withIntermediateDirectories: true)
            try project.run(["-m", "django", "startapp", "shop", directory + "/shop"], environment: safePath)
            try models.write(toFile: directory + "/shop/models.py", atomically: true, encoding: .utf8)
            let settings = directory + "/shopsite/settings.py"
            let stock = try String(contentsOfFile: settings, encoding: .utf8)
            let database = """

                DATABASES = {
                    "default": {
                        "ENGINE": "django.db.backends.postgresql",
                        "NAME": "\(TestUser.database)",
                        "USER": "\(TestUser.app.name)",
                        "PASSWORD": "\(TestUser.app.password)",
                        "HOST": "127.0.0.1",
                        "PORT": "\(port)",
                        "OPTIONS": {"sslmode": "disable"},
                    }
                }
                INSTALLED_APPS += ["shop"]

                """
            try (stock + database).write(toFile: settings, atomically: true, encoding: .utf8)
        } catch {
            project.remove()
            throw error
        }
        return project
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs `python3 arguments` in the project directory; throws with its output when it fails.
    @discardableResult
    func run(_ arguments: [String], environment: [String: String] = [:], timeout: Double = 180) throws -> String {
        let result = try Command(python, arguments, environment: environment, workingDirectory: directory).run(timeout: timeout)
        guard result.succeeded else {
            throw LocalError.commandFailed(
                command: "python3 " + arguments.joined(separator: " "), status: result.status,
                output: result.standardOutput + "\n" + String(result.standardError.suffix(3000)))
        }
        return result.standardOutput
    }

    /// Runs `python3 manage.py arguments`.
    @discardableResult
    func manage(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        try run(["manage.py"] + arguments, environment: environment)
    }

    /// Runs `script` in `manage.py shell` and returns what it printed.
    func shell(_ script: String) throws -> String {
        try manage(["shell", "-c", script])
    }
}
