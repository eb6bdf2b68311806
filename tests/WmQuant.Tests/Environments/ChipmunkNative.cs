using System.Runtime.InteropServices;

namespace WmQuant.Tests.Environments;

/// <summary>
/// Test-only P/Invoke binding to Debian's libchipmunk7 (the engine under pymunk), used as the parity
/// oracle for the C# PushT solver. cpVect is two doubles, cpTransform six; both pass by value.
/// Classic DllImport (not LibraryImport) because the test project does not allow unsafe code.
/// </summary>
internal static class ChipmunkNative
{
    private const string Library = "libchipmunk.so.7";

    [StructLayout(LayoutKind.Sequential)]
    public struct CpVect
    {
        public double X;
        public double Y;

        public CpVect(double x, double y)
        {
            X = x;
            Y = y;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct CpTransform
    {
        public double A, B, C, D, Tx, Ty;

        public static CpTransform Identity => new() { A = 1, D = 1 };
    }

    public static bool IsAvailable()
    {
        if (!NativeLibrary.TryLoad(Library, out var handle))
        {
            return false;
        }

        NativeLibrary.Free(handle);
        return true;
    }

    [DllImport(Library)] public static extern IntPtr cpSpaceNew();
    [DllImport(Library)] public static extern void cpSpaceSetIterations(IntPtr space, int iterations);
    [DllImport(Library)] public static extern void cpSpaceSetGravity(IntPtr space, CpVect gravity);
    [DllImport(Library)] public static extern void cpSpaceSetDamping(IntPtr space, double damping);
    [DllImport(Library)] public static extern void cpSpaceSetCollisionSlop(IntPtr space, double slop);
    [DllImport(Library)] public static extern void cpSpaceSetCollisionBias(IntPtr space, double bias);
    [DllImport(Library)] public static extern IntPtr cpSpaceGetStaticBody(IntPtr space);
    [DllImport(Library)] public static extern IntPtr cpSpaceAddBody(IntPtr space, IntPtr body);
    [DllImport(Library)] public static extern IntPtr cpSpaceAddShape(IntPtr space, IntPtr shape);
    [DllImport(Library)] public static extern void cpSpaceStep(IntPtr space, double dt);
    [DllImport(Library)] public static extern IntPtr cpBodyNew(double mass, double moment);
    [DllImport(Library)] public static extern IntPtr cpBodyNewKinematic();
    [DllImport(Library)] public static extern void cpBodySetCenterOfGravity(IntPtr body, CpVect cog);
    [DllImport(Library)] public static extern void cpBodySetPosition(IntPtr body, CpVect position);
    [DllImport(Library)] public static extern void cpBodySetAngle(IntPtr body, double angle);
    [DllImport(Library)] public static extern void cpBodySetVelocity(IntPtr body, CpVect velocity);
    [DllImport(Library)] public static extern CpVect cpBodyGetPosition(IntPtr body);
    [DllImport(Library)] public static extern CpVect cpBodyGetVelocity(IntPtr body);
    [DllImport(Library)] public static extern double cpBodyGetAngle(IntPtr body);
    [DllImport(Library)] public static extern double cpBodyGetMoment(IntPtr body);
    [DllImport(Library)] public static extern CpVect cpBodyGetCenterOfGravity(IntPtr body);
    [DllImport(Library)] public static extern IntPtr cpPolyShapeNew(IntPtr body, int count, [In] CpVect[] verts, CpTransform transform, double radius);
    [DllImport(Library)] public static extern IntPtr cpCircleShapeNew(IntPtr body, double radius, CpVect offset);
    [DllImport(Library)] public static extern IntPtr cpSegmentShapeNew(IntPtr body, CpVect a, CpVect b, double radius);
    [DllImport(Library)] public static extern double cpMomentForPoly(double mass, int count, [In] CpVect[] verts, CpVect offset, double radius);
    [DllImport(Library)] public static extern CpVect cpShapeGetCenterOfGravity(IntPtr shape);
}
